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

/** `E2E_PORTS=8840-8849` moves the server elsewhere, so suites run side by side do not share a range. */
function portRange(): [number, number] {
	const [from, to] = (process.env.E2E_PORTS ?? "8810-8819").split("-").map(Number);
	return [from ?? 8810, to ?? from ?? 8819];
}

/** Starts `wrangler dev` (ports 8810-8819 unless E2E_PORTS says) on a fresh state folder; wrangler's log stays in /tmp. */
export default async function setup(project: TestProject) {
	const state = mkdtempSync(path.join(tmpdir(), "taskplane-e2e-"));
	const logFile = `${state}.log`;
	applyMigrations(state);
	const server = await startDevServer({ ports: portRange(), persistTo: state, logFile });
	console.log(`e2e: wrangler dev at ${server.url}, log in ${logFile}`);
	project.provide("baseUrl", server.url);
	return async () => {
		await server.stop();
		rmSync(state, { recursive: true, force: true });
	};
}
