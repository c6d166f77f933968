// Fails when a generated file is out of date: the Env types (wrangler types) or the D1
// migrations (drizzle-kit, from src/history/schema.ts). wrangler folds .dev.vars into the
// types it generates, so it is set aside while checking: the committed types describe a
// deployment, which has no .dev.vars.
import { execFileSync } from "node:child_process";
import { existsSync, renameSync } from "node:fs";

// `--write` regenerates the types instead of checking them (`npm run types`).
const write = process.argv.includes("--write");
const hidden = ".dev.vars.checking";
const hadDevVars = existsSync(".dev.vars");
if (hadDevVars) {
	renameSync(".dev.vars", hidden);
}
try {
	execFileSync("npx", ["wrangler", "types", ...(write ? [] : ["--check"])], { stdio: "inherit" });
} catch {
	console.error("check: worker-configuration.d.ts is out of date; run `npm run types`");
	process.exitCode = 1;
} finally {
	if (hadDevVars) {
		renameSync(hidden, ".dev.vars");
	}
}

if (write) {
	process.exit();
}
const drizzle = execFileSync("npx", ["drizzle-kit", "generate"], { encoding: "utf8" });
if (!drizzle.includes("No schema changes")) {
	console.error(`check: src/history/schema.ts has changes with no migration; drizzle-kit generated one:\n${drizzle}`);
	process.exitCode = 1;
}
