import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { isolatedWranglerConfig } from "./scripts/test-wrangler-config.mjs";

/** The bootstrap secret the suite runs with (test/auth-helpers.ts uses the same). */
const TEST_ADMIN_TOKEN = "test-admin-token";

export default defineConfig(async () => {
	const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
	return {
		plugins: [
			cloudflareTest({
				main: "./src/index.ts",
				// Not ./wrangler.toml itself: the suite must not read a developer's .dev.vars or .env.
				wrangler: { configPath: isolatedWranglerConfig(import.meta.dirname) },
				miniflare: {
					// The keyless dev tenant is what `npm start` runs as; tests exercise the same path.
					bindings: {
						ENVIRONMENT: "development",
						ADMIN_TOKEN: TEST_ADMIN_TOKEN,
						// Push targets are told to report here (the origin test/helpers.ts calls).
						PUBLIC_URL: "http://taskplane.test",
						TEST_MIGRATIONS: migrations,
					},
				},
			}),
		],
		test: {
			include: ["test/**/*.test.ts"],
			exclude: ["test/e2e/**"],
			setupFiles: ["./test/apply-migrations.ts"],
		},
	};
});
