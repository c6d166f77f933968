/**
 * Crash recovery: a burst of messages.create against its own `wrangler dev`, killed with SIGKILL
 * mid-burst and restarted on the same state. Every accepted task must complete within 60 s plus
 * its run time, with exactly one messages row each (none lost, none run twice).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, it, vi } from "vitest";
import { applyMigrations, startDevServer } from "../../scripts/dev-server.mjs";

/** Its own port range: this server dies and comes back, so it shares nothing with the suite's. */
function portRange(): [number, number] {
	const [from, to] = (process.env.E2E_CRASH_PORTS ?? "8820-8829").split("-").map(Number);
	return [from ?? 8820, to ?? from ?? 8829];
}

const TASKS = Number(process.env.E2E_CRASH_TASKS ?? 60);
const CONCURRENCY = 10;

it(`every accepted task of ${TASKS} completes once after a kill -9 mid-burst`, { timeout: 300_000 }, async () => {
	const state = mkdtempSync(path.join(tmpdir(), "taskplane-crash-"));
	const logFile = `${state}.log`;
	applyMigrations(state);
	let server = await startDevServer({ ports: portRange(), persistTo: state, logFile });
	try {
		const accepted: string[] = [];
		let next = 0;
		let killing: Promise<void> | null = null;
		const worker = async () => {
			while (next < TASKS) {
				const n = next++;
				if (n === Math.floor(TASKS / 2) && !killing) {
					killing = server.crash();
				}
				try {
					const res = await fetch(`${server.url}/v1/tasks`, {
						method: "POST",
						headers: { "content-type": "application/json" },
						body: JSON.stringify({ task_name: "messages.create", payload: { content: `crash ${n}` } }),
					});
					if (res.status === 202) {
						accepted.push(((await res.json()) as { task_id: string }).task_id);
					}
				} catch {
					// The server is gone: this one was never accepted.
				}
			}
		};
		await Promise.all(Array.from({ length: CONCURRENCY }, worker));
		await killing;
		expect(accepted.length).toBeGreaterThan(0);

		server = await startDevServer({ ports: portRange(), persistTo: state, logFile });
		const base = server.url;
		const open = await Promise.all(
			accepted.map(async (id) => ((await (await fetch(`${base}/v1/tasks/${id}`)).json()) as { status: string }).status),
		);
		console.log(
			`crash: ${accepted.length} of ${TASKS} accepted; after the restart ${open.filter((s) => s !== "COMPLETED").length} unfinished`,
		);
		// 60 s for a lost runner's lease, plus the run itself and a retry's backoff.
		await vi.waitFor(
			async () => {
				const statuses = await Promise.all(
					accepted.map(async (id) => ((await (await fetch(`${base}/v1/tasks/${id}`)).json()) as { status: string }).status),
				);
				const open = statuses.filter((s) => s !== "COMPLETED");
				if (open.length > 0) {
					throw new Error(`${open.length} of ${accepted.length} not COMPLETED: ${[...new Set(open)].join(", ")}`);
				}
			},
			{ timeout: 90_000, interval: 1_000 },
		);

		const rows: { task_id: string | null }[] = [];
		for (let offset = 0; ; offset += 100) {
			const page = (await (await fetch(`${base}/v1/messages?limit=100&offset=${offset}`)).json()) as {
				messages: { task_id: string | null }[];
			};
			rows.push(...page.messages);
			if (page.messages.length < 100) {
				break;
			}
		}
		for (const id of accepted) {
			expect(
				rows.filter((r) => r.task_id === id),
				`messages of ${id}`,
			).toHaveLength(1);
		}
	} finally {
		await server.stop();
		rmSync(state, { recursive: true, force: true });
	}
});

it("builtin runs killed mid-run with kill -9 run again in the same attempt after the restart", { timeout: 300_000 }, async () => {
	const state = mkdtempSync(path.join(tmpdir(), "taskplane-crash-runs-"));
	const logFile = `${state}.log`;
	applyMigrations(state);
	let server = await startDevServer({ ports: portRange(), persistTo: state, logFile });
	try {
		const ids: string[] = [];
		for (let i = 0; i < 8; i++) {
			const res = await fetch(`${server.url}/v1/tasks`, {
				method: "POST",
				headers: { "content-type": "application/json" },
				body: JSON.stringify({ task_name: "demo.sleep", payload: { duration_seconds: 5 } }),
			});
			expect(res.status).toBe(202);
			ids.push(((await res.json()) as { task_id: string }).task_id);
		}
		const statuses = async (base: string) =>
			Promise.all(ids.map(async (id) => (await (await fetch(`${base}/v1/tasks/${id}`)).json()) as { status: string; attempt: number }));
		await vi.waitFor(
			async () => {
				const running = (await statuses(server.url)).filter((t) => t.status === "PROCESSING");
				expect(running).toHaveLength(ids.length);
			},
			{ timeout: 30_000, interval: 200 },
		);
		// Every run holds its object's alarm invocation, and no other alarm is armed meanwhile: the
		// invocation that was running is what brings each run back.
		await server.crash();
		server = await startDevServer({ ports: portRange(), persistTo: state, logFile });
		const base = server.url;
		const restarted = Date.now();
		await vi.waitFor(
			async () => {
				const open = (await statuses(base)).filter((t) => t.status !== "COMPLETED");
				expect(open, JSON.stringify(open)).toEqual([]);
			},
			{ timeout: 60_000, interval: 500 },
		);
		console.log(`crash: ${ids.length} runs killed mid-run, all COMPLETED ${Date.now() - restarted} ms after the restart`);
		// Run again in place, not retried after a lost lease (that would be attempt 2, a minute on).
		expect((await statuses(base)).map((t) => t.attempt)).toEqual(ids.map(() => 1));
	} finally {
		await server.stop();
		rmSync(state, { recursive: true, force: true });
	}
});
