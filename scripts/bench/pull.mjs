// The pull phase: one TaskplaneWorker (in this process, fetch only) at concurrency C.
// - backlog: N no-op pull tasks wait in the ready set, then the worker starts and drains them:
//   claim requests and tasks claimed per second, completions per second (the worker's pace,
//   free of the create rate);
// - live: the worker runs while N/4 more are created: end-to-end latency, created_at →
//   completed_at as the tasks record them.
import { TaskplaneWorker } from "../../src/client/worker.mjs";
import { fetchJson, percentile, pool, sleep } from "./measure.mjs";

const NAMESPACE = "bench-pull";
const TASK_NAME = "bench.noop";
/**
 * Tasks are created this many at a time. Under wrangler dev on a shared 2-core machine, bursts
 * of 50 concurrent creates made the local runtime restart mid-request (503 "Your worker
 * restarted mid-request", on the base branches too); 10 keeps it up.
 */
const CREATE_CONCURRENCY = 10;
const round = (n) => Math.round(n * 10) / 10;

export async function runPull({ url, tasks, concurrency, readAll, log }) {
	const plainFetch = globalThis.fetch;
	const counts = { claims: 0, handled: 0 };
	// Counted at the worker's own fetch: a claim answered empty after its long-poll counts too.
	globalThis.fetch = (input, init) => {
		if (String(input).endsWith("/v1/workers/claim")) {
			counts.claims++;
		}
		return plainFetch(input, init);
	};
	try {
		const backlog = await createTasks(url, tasks);
		log(`pull: ${tasks} tasks wait; one worker at concurrency ${concurrency} drains them`);
		const drain = await withWorker(url, concurrency, counts, log, () => until(() => counts.handled >= tasks));
		const drained = await readAll(url, backlog, concurrency, 300_000);
		const claims = counts.claims;

		const liveTasks = Math.max(1, Math.floor(tasks / 4));
		counts.handled = 0;
		let live = [];
		await withWorker(url, concurrency, counts, log, async () => {
			live = await createTasks(url, liveTasks);
			await until(() => counts.handled >= liveTasks);
		});
		const { tasks: liveSeen } = await readAll(url, live, concurrency, 300_000);
		const latency = [...liveSeen.values()].map((t) => Date.parse(t.completed_at) - Date.parse(t.created_at));
		const all = [...drained.tasks.values(), ...liveSeen.values()];
		const result = {
			tasks,
			concurrency,
			claim_requests: claims,
			tasks_per_claim: round(tasks / Math.max(claims, 1)),
			claims_per_s: round(claims / drain),
			completed_per_s: round(tasks / drain),
			live_tasks: liveTasks,
			create_concurrency: CREATE_CONCURRENCY,
			e2e_ms: { p50: percentile(latency, 50), p99: percentile(latency, 99) },
			all_completed_once: all.every((t) => t.status === "COMPLETED" && t.attempt === 1),
		};
		log(`pull: ${result.completed_per_s} completed/s draining, ${result.claims_per_s} claims/s, e2e p50 ${result.e2e_ms.p50} ms`);
		return result;
	} finally {
		globalThis.fetch = plainFetch;
	}
}

async function createTasks(url, count) {
	const headers = { "content-type": "application/json" };
	return pool(Array.from({ length: count }), CREATE_CONCURRENCY, async (_, i) => {
		const body = JSON.stringify({ task_name: TASK_NAME, execution: "pull", namespace: NAMESPACE, payload: { i } });
		const { status, body: task } = await fetchJson(`${url}/v1/tasks`, { method: "POST", headers, body });
		if (status !== 202) {
			throw new Error(`POST /v1/tasks answered ${status}: ${JSON.stringify(task)}`);
		}
		return task.task_id;
	});
}

/** Runs `work` with a worker claiming; answers the seconds from the worker's start until `work` resolved. */
async function withWorker(url, concurrency, counts, log, work) {
	const worker = new TaskplaneWorker({
		url,
		namespace: NAMESPACE,
		concurrency,
		waitSeconds: 2,
		handleSignals: false,
		workerId: "bench-worker",
		onError: (error) => log(`pull worker: ${error instanceof Error ? error.message : String(error)}`),
		handlers: {
			[TASK_NAME]: () => {
				counts.handled++;
				return null;
			},
		},
	});
	const started = performance.now();
	const running = worker.start();
	await work();
	const seconds = (performance.now() - started) / 1000;
	await worker.stop();
	await running;
	return seconds;
}

async function until(done, timeoutMs = 300_000) {
	const deadline = Date.now() + timeoutMs;
	while (!done() && Date.now() < deadline) {
		await sleep(20);
	}
}
