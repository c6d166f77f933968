import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { applyMigrations, startDevServer } from "../../scripts/dev-server.mjs";

declare module "vitest" {
	export interface ProvidedContext {
		baseUrl: string;
	}
}

/** `E2E_PORTS=8860-8869` runs the server elsewhere, so suites started side by side never meet. */
function portRange(): [number, number] {
	const match = /^(\d+)-(\d+)$/.exec(process.env.E2E_PORTS ?? "");
	return match ? [Number(match[1]), Number(match[2])] : [8810, 8819];
}

/** Starts `wrangler dev` (ports 8810-8819, or E2E_PORTS) on a fresh state folder; wrangler's log stays in /tmp. */
export default async function setup(project: TestProject) {
	const state = mkdtempSync(path.join(tmpdir(), "taskplane-e2e-"));
	const logFile = `${state}.log`;
	applyMigrations(state);
	// Webhook retries after 1 s, 1 s, 2 s instead of 5 s … 8 h, so test/e2e/webhooks.test.ts sees them.
	const vars = { WEBHOOK_RETRY_SCHEDULE: "1,1,2" };
	const server = await startDevServer({ ports: portRange(), persistTo: state, logFile, vars });
	console.log(`e2e: wrangler dev at ${server.url}, log in ${logFile}`);
	project.provide("baseUrl", server.url);
	return async () => {
		await server.stop();
		rmSync(state, { recursive: true, force: true });
	};
}
