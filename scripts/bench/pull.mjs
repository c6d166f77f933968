// The pull phase: one TaskplaneWorker (in this process, fetch only) at concurrency C claims
// no-op pull tasks from a namespace while the bench creates them. Measures claims (requests and
// tasks claimed per second), completions per second and end-to-end latency (created_at →
// completed_at, as the task records them).
import { TaskplaneWorker } from "../../src/client/worker.mjs";
import { fetchJson, percentile, pool, sleep } from "./measure.mjs";

const NAMESPACE = "bench-pull";
const TASK_NAME = "bench.noop";

export async function runPull({ url, tasks, concurrency, readAll, log }) {
	let claimRequests = 0;
	const plainFetch = globalThis.fetch;
	// Counted at the worker's own fetch: a claim answered empty after its long-poll counts too.
	globalThis.fetch = (input, init) => {
		if (String(input).endsWith("/v1/workers/claim")) {
			claimRequests++;
		}
		return plainFetch(input, init);
	};
	let handled = 0;
	const worker = new TaskplaneWorker({
		url,
		namespace: NAMESPACE,
		concurrency,
		waitSeconds: 5,
		handleSignals: false,
		workerId: "bench-worker",
		onError: (error) => log(`pull worker: ${error instanceof Error ? error.message : String(error)}`),
		handlers: {
			[TASK_NAME]: async () => {
				handled++;
				return null;
			},
		},
	});
	const running = worker.start();
	try {
		const headers = { "content-type": "application/json" };
		const started = Date.now();
		const created = await pool(Array.from({ length: tasks }), concurrency, async (_, i) => {
			const body = JSON.stringify({ task_name: TASK_NAME, execution: "pull", namespace: NAMESPACE, payload: { i } });
			const { status, body: task } = await fetchJson(`${url}/v1/tasks`, { method: "POST", headers, body });
			if (status !== 202) {
				throw new Error(`POST /v1/tasks answered ${status}: ${JSON.stringify(task)}`);
			}
			return task.task_id;
		});
		while (handled < tasks && Date.now() - started < 300_000) {
			await sleep(50);
		}
		await worker.stop();
		await running;
		const { tasks: seen } = await readAll(url, created, concurrency, 300_000);
		const all = [...seen.values()];
		const span = (field) => {
			const times = all.map((t) => Date.parse(t[field]));
			return Math.max((Math.max(...times) - Math.min(...times)) / 1000, 0.001);
		};
		const latency = all.map((t) => Date.parse(t.completed_at) - Date.parse(t.created_at));
		const result = {
			tasks,
			concurrency,
			claim_requests: claimRequests,
			tasks_per_claim: Math.round((tasks / Math.max(claimRequests, 1)) * 10) / 10,
			claims_per_s: Math.round((claimRequests / span("started_at")) * 10) / 10,
			claimed_per_s: Math.round((all.length / span("started_at")) * 10) / 10,
			completed_per_s: Math.round((all.length / span("completed_at")) * 10) / 10,
			e2e_ms: { p50: percentile(latency, 50), p99: percentile(latency, 99) },
			all_completed_once: all.every((t) => t.status === "COMPLETED" && t.attempt === 1) && handled === tasks,
		};
		log(`pull: ${tasks} tasks, ${result.completed_per_s} completed/s, e2e p50 ${result.e2e_ms.p50} ms`);
		return result;
	} finally {
		globalThis.fetch = plainFetch;
	}
}
