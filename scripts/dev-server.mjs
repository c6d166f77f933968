// Runs `wrangler dev` for the bench and the end-to-end tests: a fresh state folder with the D1
// migrations applied, ENVIRONMENT=development and PUBLIC_URL passed with `--var` and an empty
// `--env-file` (so neither the user's .dev.vars nor .env nor `npm start`'s .dev.env reaches the
// server), the first free port of a given range, and a stop() that ends the whole process
// group wrangler spawns (workerd included).
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, openSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";

export const ROOT = path.resolve(import.meta.dirname, "..");
export const WRANGLER = path.join(ROOT, "node_modules", ".bin", "wrangler");

function portIsFree(port) {
	return new Promise((resolve) => {
		const server = createServer();
		server.once("error", () => resolve(false));
		server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
	});
}

/** The first free port in [from, to] not in `taken`. */
export async function freePort(from, to, taken = []) {
	for (let port = from; port <= to; port++) {
		if (!taken.includes(port) && (await portIsFree(port))) {
			return port;
		}
	}
	throw new Error(`no free port in ${from}-${to}`);
}

/** Runs a wrangler command to completion; its output goes to `logFd` (or is shown on failure). */
export function runWrangler(args, logFd) {
	const result = spawnSync(WRANGLER, args, { cwd: ROOT, stdio: ["ignore", logFd ?? "pipe", logFd ?? "pipe"], encoding: "utf8" });
	if (result.status !== 0) {
		const output = logFd === undefined ? `\n${result.stdout}${result.stderr}` : "";
		throw new Error(`wrangler ${args.slice(0, 3).join(" ")} failed (exit ${result.status})${output}`);
	}
	return result.stdout ?? "";
}

export function applyMigrations(persistTo, logFd) {
	runWrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo], logFd);
}

async function waitForHealth(url, child, timeoutMs) {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (child.exitCode !== null) {
			throw new Error(`wrangler dev exited with code ${child.exitCode} before it was healthy`);
		}
		try {
			const response = await fetch(`${url}/health`);
			if (response.ok) {
				return;
			}
		} catch {
			// Not listening yet.
		}
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
	throw new Error(`wrangler dev was not healthy at ${url} within ${timeoutMs / 1000} s`);
}

/**
 * Starts `wrangler dev` on state already in `persistTo` (see applyMigrations) and resolves once
 * /health answers. Output goes to `logFile`. `config`: another wrangler config than wrangler.toml.
 * `vars`: more `--var`s (e.g. the e2e suite's short WEBHOOK_RETRY_SCHEDULE).
 */
export async function startDevServer({ ports, persistTo, logFile, logLevel = "info", timeoutMs = 90_000, config, vars = {} }) {
	mkdirSync(persistTo, { recursive: true });
	const port = await freePort(ports[0], ports[1]);
	// The inspector defaults to 9229, which another wrangler on this machine may hold.
	const inspectorPort = await freePort(ports[0], ports[1], [port]);
	const log = openSync(logFile, "a");
	const args = ["dev", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspectorPort)];
	args.push("--persist-to", persistTo, "--var", "ENVIRONMENT:development", "--log-level", logLevel);
	// Push targets are told to report under this origin (src/env.d.ts PUBLIC_URL).
	args.push("--var", `PUBLIC_URL:http://127.0.0.1:${port}`);
	for (const [name, value] of Object.entries(vars)) {
		args.push("--var", `${name}:${value}`);
	}
	args.push("--show-interactive-dev-session=false");
	// With an --env-file wrangler skips .dev.vars; an empty one brings no values of its own.
	const envFile = path.join(persistTo, "empty.env");
	writeFileSync(envFile, "");
	args.push("--env-file", envFile);
	if (config) {
		args.push("--config", config);
	}
	// Its own process group, so stop() can end wrangler and the workerd it starts together.
	// A private dev registry: the shared one (~/.wrangler/registry) reloads this worker mid-request
	// whenever any other `wrangler dev` on the machine starts or stops (POSTs then answer 503).
	const env = { ...process.env, WRANGLER_REGISTRY_PATH: path.join(persistTo, "dev-registry") };
	const child = spawn(WRANGLER, args, { cwd: ROOT, env, detached: true, stdio: ["ignore", log, log] });
	const exited = new Promise((resolve) => child.once("exit", resolve));
	const kill = (signal) => {
		try {
			process.kill(-child.pid, signal);
		} catch {
			// Already gone.
		}
	};
	const onExit = () => kill("SIGKILL");
	process.once("exit", onExit);
	// Ctrl-C reaches our process group only; take wrangler's down with us.
	const onSignal = (signal) => {
		kill("SIGKILL");
		process.exit(signal === "SIGINT" ? 130 : 143);
	};
	process.once("SIGINT", onSignal);
	process.once("SIGTERM", onSignal);
	const stop = async () => {
		process.off("exit", onExit);
		process.off("SIGINT", onSignal);
		process.off("SIGTERM", onSignal);
		if (child.exitCode === null && child.signalCode === null) {
			kill("SIGTERM");
			const timer = setTimeout(() => kill("SIGKILL"), 5_000);
			await exited;
			clearTimeout(timer);
		}
		// workerd may outlive wrangler by a moment; make sure the group is gone.
		kill("SIGKILL");
	};
	// kill -9 of the whole group, as a crashed machine would: nothing gets to shut down cleanly.
	const crash = async () => {
		process.off("exit", onExit);
		process.off("SIGINT", onSignal);
		process.off("SIGTERM", onSignal);
		kill("SIGKILL");
		await exited;
	};
	const url = `http://127.0.0.1:${port}`;
	try {
		await waitForHealth(url, child, timeoutMs);
	} catch (error) {
		await stop();
		throw new Error(`${error instanceof Error ? error.message : error}; see ${logFile}`);
	}
	return { url, port, stop, crash };
}

export function ensureDir(dir) {
	if (!existsSync(dir)) {
		mkdirSync(dir, { recursive: true });
	}
	return dir;
}
