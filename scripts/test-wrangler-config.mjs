// The wrangler config the vitest suite runs with: wrangler.toml copied where no .dev.vars or
// .env can be. wrangler reads those from beside the config it is given, so the suite would
// otherwise run with whatever a developer keeps there. Relative paths are made absolute so the
// copy describes the same worker.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

/** Writes the copy under `root`/node_modules/.cache and returns its path. */
export function isolatedWranglerConfig(root) {
	const dir = path.join(root, "node_modules", ".cache", "taskplane-test-config");
	mkdirSync(dir, { recursive: true });
	const toml = readFileSync(path.join(root, "wrangler.toml"), "utf8").replace(
		/^(main|migrations_dir|directory) = "(.*)"$/gm,
		(_, key, value) => `${key} = ${JSON.stringify(path.join(root, value))}`,
	);
	const file = path.join(dir, "wrangler.toml");
	writeFileSync(file, toml);
	return file;
}
