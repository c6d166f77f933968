import { defineConfig } from "vitest/config";

/**
 * End-to-end tests: plain Node, no workerd pool. The global setup starts `wrangler dev` on a
 * fresh local state and the tests drive it over HTTP as a client following the README would.
 */
export default defineConfig({
	test: {
		include: ["test/e2e/**/*.test.ts"],
		environment: "node",
		globalSetup: ["./test/e2e/global-setup.ts"],
		testTimeout: 30_000,
		hookTimeout: 120_000,
	},
});
