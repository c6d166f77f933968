// The recovery phase: a burst of messages.create against its own `wrangler dev` on a fresh
// state, killed with SIGKILL halfway through the burst (as test/e2e/crash.test.ts does) and
// restarted on the same state. Measures the seconds from the restarted server's first answer
// until every accepted task is terminal, and checks each one ran once (one messages row each).
import { rmSync } from "node:fs";
import { applyMigrations, startDevServer } from "../dev-server.mjs";
import { fetchJson, sleep } from "./measure.mjs";

const CREATE_CONCURRENCY = 10;
const TERMINAL = new Set(["COMPLETED", "COMPLETED_WITH_ERRORS", "FAILED", "CANCELED"]);
const headers = { "content-type": "application/json" };

export async function runRecovery({ ports, state, logFile, logLevel, config, tasks, log }) {
	rmSync(state, { recursive: true, force: true });
	applyMigrations(state);
	const start = () => startDevServer({ ports, persistTo: state, logFile, logLevel, config });
	let server = await start();
	try {
		const accepted = [];
		let next = 0;
		let killing = null;
		const creator = async () => {
			while (next < tasks) {
				const n = next++;
				if (n === Math.floor(tasks / 2) && !killing) {
					killing = server.crash();
				}
				try {
					const body = JSON.stringify({ task_name: "messages.create", payload: { content: `recovery ${n}` } });
					const res = await fetch(`${server.url}/v1/tasks`, { method: "POST", headers, body });
					if (res.status === 202) {
						accepted.push((await res.json()).task_id);
					}
				} catch {
					// The server is gone: this one was never accepted.
				}
			}
		};
		await Promise.all(Array.from({ length: CREATE_CONCURRENCY }, creator));
		await killing;
		log(`recovery: killed with SIGKILL mid-burst; ${accepted.length} of ${tasks} accepted; restarting on the same state`);

		server = await start();
		const restarted = Date.now();
		let open = accepted;
		let unfinishedAtRestart = null;
		while (open.length > 0 && Date.now() - restarted < 300_000) {
			const statuses = await Promise.all(open.map(async (id) => [id, (await fetchJson(`${server.url}/v1/tasks/${id}`)).body?.status]));
			open = statuses.filter(([, status]) => !TERMINAL.has(status)).map(([id]) => id);
			unfinishedAtRestart ??= open.length;
			if (open.length > 0) {
				await sleep(500);
			}
		}
		const recoverySeconds = Math.round((Date.now() - restarted) / 100) / 10;
		const rows = new Map();
		for (let offset = 0; ; offset += 100) {
			const { body } = await fetchJson(`${server.url}/v1/messages?limit=100&offset=${offset}`);
			for (const m of body.messages) {
				rows.set(m.task_id, (rows.get(m.task_id) ?? 0) + 1);
			}
			if (body.messages.length < 100) {
				break;
			}
		}
		const result = {
			tasks,
			accepted: accepted.length,
			unfinished_at_restart: unfinishedAtRestart ?? 0,
			recovery_s: recoverySeconds,
			all_terminal: open.length === 0,
			one_row_each: accepted.every((id) => rows.get(id) === 1),
		};
		log(`recovery: every accepted task terminal ${recoverySeconds} s after the restart (${result.unfinished_at_restart} unfinished then)`);
		return result;
	} finally {
		await server.stop();
	}
}
