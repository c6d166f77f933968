// `npm start [-- wrangler dev flags]`: local dev with every binding served by wrangler.
// Writes the development-only settings to the git-ignored .dev.vars (ENVIRONMENT, and a random
// ADMIN_TOKEN when none is there), applies the D1 migrations to the local database, then runs
// `wrangler dev` (default port 8787) with PUBLIC_URL set to its own origin.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";

const DEV_VARS = ".dev.vars";
const wanted = { ENVIRONMENT: "development", ADMIN_TOKEN: `dev-admin-${randomBytes(24).toString("base64url")}` };

const current = existsSync(DEV_VARS) ? readFileSync(DEV_VARS, "utf8") : "";
const missing = Object.entries(wanted).filter(([name]) => !new RegExp(`^${name}=`, "m").test(current));
if (missing.length > 0) {
	const lines = missing.map(([name, value]) => `${name}=${value}`).join("\n");
	writeFileSync(DEV_VARS, `${current}${current && !current.endsWith("\n") ? "\n" : ""}${lines}\n`);
	console.log(`start: wrote ${missing.map(([n]) => n).join(", ")} to ${DEV_VARS}`);
}
const adminToken = /^ADMIN_TOKEN=(.*)$/m.exec(readFileSync(DEV_VARS, "utf8"))?.[1]?.trim();

const args = process.argv.slice(2);
const persist = args.includes("--persist-to") ? ["--persist-to", args[args.indexOf("--persist-to") + 1]] : [];
const port = args.includes("--port") ? args[args.indexOf("--port") + 1] : "8787";
const wrangler = (argv) => spawnSync("npx", ["wrangler", ...argv], { stdio: "inherit" });

const migrated = wrangler(["d1", "migrations", "apply", "DB", "--local", ...persist]);
if (migrated.status !== 0) {
	process.exit(migrated.status ?? 1);
}
console.log(`start: the dev admin token is in ${DEV_VARS}. Create an API key with it:
  curl -s -X POST http://localhost:${port}/v1/api-keys \\
    -H "Authorization: Bearer ${adminToken}" -H "content-type: application/json" \\
    -d '{"tenant": "acme", "name": "my-laptop", "scopes": ["tasks:read", "tasks:write"]}'
(requests without a key run as the keyless "dev" tenant, in development only)`);
// Push targets report under PUBLIC_URL; unless .dev.vars or the flags name one, it is this server.
const publicUrl =
	/^PUBLIC_URL=/m.test(readFileSync(DEV_VARS, "utf8")) || args.some((a) => a.startsWith("PUBLIC_URL:"))
		? []
		: ["--var", `PUBLIC_URL:http://localhost:${port}`];
const dev = wrangler(["dev", ...publicUrl, ...args]);
process.exit(dev.status ?? 0);
