// `npm start [-- wrangler dev flags]`: local dev with every binding served by wrangler.
// Keeps the development-only settings (ENVIRONMENT, and a random ADMIN_TOKEN made once) in the
// git-ignored DEV_SETTINGS file and hands them to `wrangler dev --env-file`, never in .dev.vars:
// wrangler folds .dev.vars into the types `wrangler types` writes (and into the test suite's
// bindings), so a .dev.vars would make the generated-file check fail. Applies the D1
// migrations quietly, then runs `wrangler dev` (default port 8787, PUBLIC_URL its own origin) in its
// own process group and
// forwards SIGINT, SIGTERM and SIGHUP to the whole group, so stopping npm stops workerd too.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ROOT, runWrangler, WRANGLER } from "./dev-server.mjs";

// TASKPLANE_DEV_SETTINGS moves the settings elsewhere (test/e2e/start.test.ts), and then the
// repository's own files are left alone.
const DEV_SETTINGS = process.env.TASKPLANE_DEV_SETTINGS ?? path.join(ROOT, ".dev.env");
const LEGACY_DEV_VARS = process.env.TASKPLANE_DEV_SETTINGS ? "" : path.join(ROOT, ".dev.vars");
const read = (file) => (file !== "" && existsSync(file) ? readFileSync(file, "utf8") : "");
const shown = (file) => path.relative(process.cwd(), file);
const setting = (text, name) => new RegExp(`^${name}=(.*)$`, "m").exec(text)?.[1]?.trim();

// Earlier versions wrote exactly these two lines to .dev.vars; take the token over and remove
// the file, but leave a .dev.vars that holds anything else (it is the user's).
const legacy = read(LEGACY_DEV_VARS);
const legacyOurs =
	legacy !== "" && legacy.split("\n").every((line) => line.trim() === "" || /^(ENVIRONMENT=development|ADMIN_TOKEN=.*)$/.test(line));
let current = read(DEV_SETTINGS);
const wanted = {
	ENVIRONMENT: "development",
	ADMIN_TOKEN: (legacyOurs && setting(legacy, "ADMIN_TOKEN")) || `dev-admin-${randomBytes(24).toString("base64url")}`,
};
const missing = Object.entries(wanted).filter(([name]) => setting(current, name) === undefined);
if (missing.length > 0) {
	current = `${current}${current && !current.endsWith("\n") ? "\n" : ""}${missing.map(([n, v]) => `${n}=${v}`).join("\n")}\n`;
	writeFileSync(DEV_SETTINGS, current);
	console.log(`start: wrote ${missing.map(([n]) => n).join(", ")} to ${shown(DEV_SETTINGS)}`);
}
if (legacyOurs) {
	rmSync(LEGACY_DEV_VARS);
	console.log(`start: moved the settings of .dev.vars to ${shown(DEV_SETTINGS)} and removed .dev.vars`);
} else if (legacy !== "") {
	console.log(
		"start: .dev.vars is not taskplane's and wrangler dev now ignores it, but `wrangler types` folds it into worker-configuration.d.ts (`npm test` then fails)",
	);
}
const adminToken = setting(current, "ADMIN_TOKEN");

const args = process.argv.slice(2);
const persist = args.includes("--persist-to") ? ["--persist-to", args[args.indexOf("--persist-to") + 1]] : [];
const port = args.includes("--port") ? args[args.indexOf("--port") + 1] : "8787";

try {
	const out = runWrangler(["d1", "migrations", "apply", "DB", "--local", ...persist]);
	// wrangler reprints its table after each migration; one line says the same.
	const applied = /About to apply (\d+) migration/.exec(out)?.[1];
	console.log(applied ? `start: applied ${applied} D1 migration(s) to the local database` : "start: the local database is up to date");
} catch (error) {
	console.error(`start: ${error instanceof Error ? error.message : error}`);
	process.exit(1);
}
console.log(`start: the dev admin token is in ${shown(DEV_SETTINGS)}. Create an API key with it:
  curl -s -X POST http://localhost:${port}/v1/api-keys \\
    -H "Authorization: Bearer ${adminToken}" -H "content-type: application/json" \\
    -d '{"tenant": "acme", "name": "my-laptop", "scopes": ["tasks:read", "tasks:write"]}'
(requests without a key run as the keyless "dev" tenant, in development only)`);

// Push targets report under PUBLIC_URL; unless the settings or the flags name one, it is this server.
const publicUrl =
	setting(current, "PUBLIC_URL") !== undefined || args.some((a) => a.startsWith("PUBLIC_URL:"))
		? []
		: ["--var", `PUBLIC_URL:http://localhost:${port}`];
// Its own process group: a signal to npm (or to this script) reaches wrangler and the workerd it
// starts together. The group cannot read the terminal, so wrangler's key shortcuts are off.
const dev = spawn(WRANGLER, ["dev", "--env-file", DEV_SETTINGS, "--show-interactive-dev-session=false", ...publicUrl, ...args], {
	cwd: ROOT,
	detached: true,
	stdio: ["ignore", "inherit", "inherit"],
});
const signalGroup = (signal) => {
	try {
		process.kill(-dev.pid, signal);
	} catch {
		// Already gone.
	}
};
let stopping;
const stop = (signal) => {
	if (stopping === undefined) {
		stopping = signal;
		signalGroup("SIGTERM");
		// wrangler normally ends workerd within a second; never leave the port answering.
		setTimeout(() => signalGroup("SIGKILL"), 5_000).unref();
	}
};
// package.json `exec`s this script so npm's SIGTERM reaches it rather than only the shell
// between them; a parent that dies without a word (SIGKILL) is seen by the orphaned ppid.
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
	process.on(signal, () => stop(signal));
}
const parent = process.ppid;
setInterval(() => process.ppid !== parent && stop("SIGTERM"), 1_000).unref();
dev.once("exit", (code) => {
	signalGroup("SIGKILL");
	process.exit(stopping === undefined ? (code ?? 1) : stopping === "SIGINT" ? 130 : 143);
});
