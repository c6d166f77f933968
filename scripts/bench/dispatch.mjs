// The dispatch phase: one namespace with a concurrency limit well below the offered load, bulk
// (priority 0) and urgent (priority 9) tasks mixed. Measures how fast its NamespaceObject grants
// turns, how long each priority waits for one, and the most tasks running at once (sampled from
// GET /v1/namespaces/{ns}: it must never exceed the limit).
import { fetchJson, percentile, pool, sleep } from "./measure.mjs";

const NAMESPACE = "bench-dispatch";
const LIMIT = 20;
const SAMPLE_MS = 50;

export async function runDispatch({ url, tasks, concurrency, readAll, log }) {
	const headers = { "content-type": "application/json" };
	const put = await fetchJson(`${url}/v1/namespaces/${NAMESPACE}`, {
		method: "PUT",
		headers,
		body: JSON.stringify({ max_concurrency: LIMIT }),
	});
	if (put.status !== 200) {
		throw new Error(`PUT /v1/namespaces/${NAMESPACE} answered ${put.status}: ${JSON.stringify(put.body)}`);
	}
	let sampling = true;
	let mostRunning = 0;
	const sampler = (async () => {
		while (sampling) {
			const { body } = await fetchJson(`${url}/v1/namespaces/${NAMESPACE}`);
			mostRunning = Math.max(mostRunning, body?.running ?? 0);
			await sleep(SAMPLE_MS);
		}
	})();
	// Every fifth task is urgent, so urgent ones keep arriving behind a growing bulk backlog.
	const created = await pool(Array.from({ length: tasks }), concurrency, async (_, i) => {
		const priority = i % 5 === 4 ? 9 : 0;
		const body = JSON.stringify({ task_name: "demo.sleep", namespace: NAMESPACE, priority, payload: { duration_seconds: 0.05 } });
		const { status, body: task } = await fetchJson(`${url}/v1/tasks`, { method: "POST", headers, body });
		if (status !== 202) {
			throw new Error(`POST /v1/tasks answered ${status}: ${JSON.stringify(task)}`);
		}
		return task.task_id;
	});
	const { tasks: seen } = await readAll(url, created, concurrency, 300_000);
	sampling = false;
	await sampler;
	const all = [...seen.values()];
	const queued = all.map((t) => Date.parse(t.queued_at));
	const span = (Math.max(...queued) - Math.min(...queued)) / 1000;
	const wait = (priority) => all.filter((t) => t.priority === priority).map((t) => Date.parse(t.queued_at) - Date.parse(t.created_at));
	log(`dispatch: ${tasks} tasks through a limit of ${LIMIT}; at most ${mostRunning} running`);
	return {
		limit: LIMIT,
		grants_per_s: Math.round((all.length / Math.max(span, 0.001)) * 10) / 10,
		wait_p50_ms: { priority_9: percentile(wait(9), 50), priority_0: percentile(wait(0), 50) },
		most_running: mostRunning,
		all_completed: all.every((t) => t.status === "COMPLETED"),
	};
}
