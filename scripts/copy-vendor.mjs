// Copies the browser files the Worker serves from node_modules into its assets folder
// (public/vendor/, git-ignored): Swagger UI for /docs, so the page works with no internet.
// `npm ci` runs this (the `prepare` script), so a clean clone has them before any
// `wrangler dev`, test or `wrangler deploy`.
import { copyFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "..");
const require = createRequire(import.meta.url);
const swaggerUi = path.dirname(require.resolve("swagger-ui-dist/package.json"));

/** Files /docs loads (src/api/docs.ts names the same two), plus the license that must travel with them. */
const FILES = ["swagger-ui-bundle.js", "swagger-ui.css", "LICENSE"];

const target = path.join(ROOT, "public", "vendor", "swagger-ui");
mkdirSync(target, { recursive: true });
for (const file of FILES) {
	copyFileSync(path.join(swaggerUi, file), path.join(target, file));
}
