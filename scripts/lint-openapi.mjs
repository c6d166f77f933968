// `npm run lint:openapi`: lints the OpenAPI document the Worker itself serves, never a copy kept
// by hand. The bundle `wrangler deploy --dry-run --outdir dist` wrote is loaded in Miniflare (no
// bindings: /openapi.json touches none), its /openapi.json is saved beside it (dist/openapi.json,
// git-ignored) and `redocly lint` checks it with redocly.yaml: the recommended rules, with the
// places the compat routes must break them listed in .redocly.lint-ignore.yaml (README.md
// § Generating a client says why). Offline: telemetry and update checks off.
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Miniflare } from "miniflare";

const ROOT = path.resolve(import.meta.dirname, "..");
const toml = readFileSync(path.join(ROOT, "wrangler.toml"), "utf8");
const compatibilityDate = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(toml)?.[1];
const compatibilityFlags = JSON.parse(/^compatibility_flags\s*=\s*(\[[^\]]*\])/m.exec(toml)?.[1] ?? "[]");

const mf = new Miniflare({ scriptPath: path.join(ROOT, "dist", "index.js"), modules: true, compatibilityDate, compatibilityFlags });
let doc;
try {
	const res = await mf.dispatchFetch("http://localhost/openapi.json");
	if (!res.ok) {
		throw new Error(`GET /openapi.json answered ${res.status}`);
	}
	doc = await res.text();
} finally {
	await mf.dispose();
}

const file = path.join(ROOT, "dist", "openapi.json");
writeFileSync(file, doc);
const env = { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" };
const args = ["lint", path.relative(ROOT, file), "--config", "redocly.yaml", "--format", "codeframe", ...process.argv.slice(2)];
const result = spawnSync(path.join(ROOT, "node_modules", ".bin", "redocly"), args, { cwd: ROOT, stdio: "inherit", env });
process.exitCode = result.status ?? 1;
