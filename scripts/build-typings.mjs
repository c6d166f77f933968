// `npm install` runs this (package.json `prepare`): the TypeScript declarations of the SDK
// (taskplane/client, taskplane/worker) into the git-ignored typings/, from the JSDoc of
// src/client/*.mjs and the zod contract it infers its types from. tsc keeps the source's
// extensionless relative imports (the repository resolves like a bundler); a consumer on
// `moduleResolution: node16/nodenext` needs the extension, so each is rewritten to the file
// tsc emitted (`./types` → `./types.js` for types.d.ts, `./watch.mjs` stays).
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "..");
const OUT = path.join(ROOT, "typings");

rmSync(OUT, { recursive: true, force: true });
const tsc = path.join(ROOT, "node_modules", ".bin", "tsc");
const args = ["-p", "tsconfig.client.json", "--noEmit", "false", "--declaration", "--emitDeclarationOnly", "--outDir", "typings"];
const result = spawnSync(tsc, args, { cwd: ROOT, stdio: "inherit" });
if (result.status !== 0) {
	process.exit(result.status ?? 1);
}

/** The specifier with the extension of the declaration tsc wrote for it, or as it was. */
function withExtension(fromDir, specifier) {
	if (!specifier.startsWith(".") || /\.(m?js|json)$/.test(specifier)) {
		return specifier;
	}
	const target = path.join(fromDir, specifier);
	for (const [declaration, runtime] of [
		[".d.ts", ".js"],
		[".d.mts", ".mjs"],
	]) {
		if (existsSync(`${target}${declaration}`)) {
			return `${specifier}${runtime}`;
		}
		if (existsSync(path.join(target, `index${declaration}`))) {
			return `${specifier}/index${runtime}`;
		}
	}
	return specifier;
}

function* declarations(dir) {
	for (const name of readdirSync(dir)) {
		const file = path.join(dir, name);
		if (statSync(file).isDirectory()) {
			yield* declarations(file);
		} else if (/\.d\.m?ts$/.test(name)) {
			yield file;
		}
	}
}

for (const file of declarations(OUT)) {
	const text = readFileSync(file, "utf8");
	const fixed = text.replace(/(from\s+|import\(\s*)(["'])(\.[^"']*)\2/g, (_, lead, quote, specifier) => {
		return `${lead}${quote}${withExtension(path.dirname(file), specifier)}${quote}`;
	});
	if (fixed !== text) {
		writeFileSync(file, fixed);
	}
}
