/**
 * What a developer's machine holds must not change what runs: the suite ignores .dev.vars and
 * .env, and `npm start` keeps its output short, writes no .dev.vars and stops entirely when npm
 * is stopped by its pid.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { freePort } from "../../scripts/dev-server.mjs";
import { isolatedWranglerConfig } from "../../scripts/test-wrangler-config.mjs";

const ROOT = path.resolve(import.meta.dirname, "../..");
const scratch = mkdtempSync(path.join(tmpdir(), "taskplane-local-files-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const bindingNames = (configPath: string) => Object.keys(unstable_getMiniflareWorkerOptions(configPath).workerOptions.bindings ?? {});

describe("the vitest suite's bindings", () => {
	it("come from wrangler.toml, not from a .dev.vars or .env beside it", () => {
		const root = mkdtempSync(path.join(scratch, "repo-"));
		copyFileSync(path.join(ROOT, "wrangler.toml"), path.join(root, "wrangler.toml"));
		// wrangler refuses a config whose [assets] directory is missing.
		mkdirSync(path.join(root, "public"));
		writeFileSync(path.join(root, ".dev.vars"), "FROM_DEV_VARS=1\n");
		// The failure this guards against: wrangler reads the file beside the config.
		expect(bindingNames(path.join(root, "wrangler.toml"))).toContain("FROM_DEV_VARS");
		const isolated = bindingNames(isolatedWranglerConfig(root));
		expect(isolated).not.toContain("FROM_DEV_VARS");
		expect(isolated).toContain("TASK_RETENTION_DAYS");
	});
});

function waitForExit(child: ChildProcess): Promise<void> {
	return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once("exit", () => resolve())));
}

async function answers(url: string): Promise<boolean> {
	try {
		return (await fetch(url)).ok;
	} catch {
		return false;
	}
}

describe("npm start", () => {
	it("keeps its settings out of .dev.vars, prints one line for the migrations, and SIGTERM to npm frees the port", {
		timeout: 150_000,
	}, async () => {
		const state = mkdtempSync(path.join(scratch, "start-"));
		const port = await freePort(8870, 8879);
		const inspector = await freePort(8870, 8879, [port]);
		const env = {
			...process.env,
			TASKPLANE_DEV_SETTINGS: path.join(state, "dev.env"),
			WRANGLER_REGISTRY_PATH: path.join(state, "registry"),
		};
		const args = ["start", "--", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspector), "--persist-to", state];
		const npm = spawn("npm", args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
		let output = "";
		npm.stdout?.on("data", (chunk) => {
			output += chunk;
		});
		npm.stderr?.on("data", (chunk) => {
			output += chunk;
		});
		const url = `http://127.0.0.1:${port}/health`;
		const deadline = Date.now() + 90_000;
		while (!(await answers(url)) && Date.now() < deadline && npm.exitCode === null) {
			await new Promise((resolve) => setTimeout(resolve, 250));
		}
		expect(await answers(url), output).toBe(true);

		npm.kill("SIGTERM");
		await waitForExit(npm);
		// The whole group is signalled before npm's child exits; the port must not answer now.
		expect(await answers(url)).toBe(false);

		expect(output).toContain("start: applied");
		expect(output).not.toContain("Migrations to be applied");
		expect(output).not.toContain("wrangler types");
		expect(existsSync(env.TASKPLANE_DEV_SETTINGS)).toBe(true);
	});
});
