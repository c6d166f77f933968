// The push phase: http tasks against a local no-op target (node:http answering 200 {}).
// - backlog: N push tasks are created in a paused namespace, then it is resumed: completions per
//   second as the consumer pushes and the target answers (free of the create rate);
// - live: N/4 more are created with the namespace running: end-to-end latency, created_at →
//   completed_at as the tasks record them.
import { createServer } from "node:http";
import { freePort } from "../dev-server.mjs";
import { fetchJson, percentile, pool } from "./measure.mjs";

const NAMESPACE = "bench-push";
const TASK_NAME = "bench.push";
/** As the pull phase: bursts of 50 concurrent creates restart the local runtime on a shared 2-core machine. */
const CREATE_CONCURRENCY = 10;
const headers = { "content-type": "application/json" };
const round = (n) => Math.round(n * 10) / 10;

/** A target that answers every push 200 `{}` (so each task completes with `{}`), counting them. */
async function noopTarget(ports, taken) {
	const port = await freePort(ports[0], ports[1], taken);
	const counts = { pushes: 0 };
	const server = createServer((req, res) => {
		req.resume();
		req.on("end", () => {
			counts.pushes++;
			res.writeHead(200, { "content-type": "application/json" }).end("{}");
		});
	});
	await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
	return { url: `http://127.0.0.1:${port}/run`, counts, close: () => new Promise((resolve) => server.close(resolve)) };
}

async function setPaused(url, paused) {
	const { status, body } = await fetchJson(`${url}/v1/namespaces/${NAMESPACE}/${paused ? "pause" : "resume"}`, { method: "POST", headers });
	if (status !== 200) {
		throw new Error(`${paused ? "pause" : "resume"} answered ${status}: ${JSON.stringify(body)}`);
	}
}

async function createTasks(url, target, count) {
	return pool(Array.from({ length: count }), CREATE_CONCURRENCY, async (_, i) => {
		const body = JSON.stringify({ task_name: TASK_NAME, namespace: NAMESPACE, target: { url: target }, payload: { i } });
		const { status, body: task } = await fetchJson(`${url}/v1/tasks`, { method: "POST", headers, body });
		if (status !== 202) {
			throw new Error(`POST /v1/tasks answered ${status}: ${JSON.stringify(task)}`);
		}
		return task.task_id;
	});
}

export async function runPush({ url, serverPort, ports, tasks, concurrency, readAll, log }) {
	const target = await noopTarget(ports, [serverPort]);
	try {
		await setPaused(url, true);
		const backlog = await createTasks(url, target.url, tasks);
		log(`push: ${tasks} tasks wait in a paused namespace; resuming against ${target.url}`);
		const resumed = Date.now();
		await setPaused(url, false);
		const { tasks: drained } = await readAll(url, backlog, concurrency, 300_000);
		const lastDone = Math.max(...[...drained.values()].map((t) => Date.parse(t.completed_at)));
		const drainSeconds = Math.max(0.001, (lastDone - resumed) / 1000);

		const liveTasks = Math.max(1, Math.floor(tasks / 4));
		const live = await createTasks(url, target.url, liveTasks);
		const { tasks: liveSeen } = await readAll(url, live, concurrency, 300_000);
		const latency = [...liveSeen.values()].map((t) => Date.parse(t.completed_at) - Date.parse(t.created_at));
		const all = [...drained.values(), ...liveSeen.values()];
		const result = {
			tasks,
			completed_per_s: round(tasks / drainSeconds),
			live_tasks: liveTasks,
			create_concurrency: CREATE_CONCURRENCY,
			e2e_ms: { p50: percentile(latency, 50), p99: percentile(latency, 99) },
			pushes_received: target.counts.pushes,
			all_completed_once: all.every((t) => t.status === "COMPLETED" && t.attempt === 1),
		};
		log(`push: ${result.completed_per_s} completed/s draining, e2e p50 ${result.e2e_ms.p50} ms, p99 ${result.e2e_ms.p99} ms`);
		return result;
	} finally {
		await target.close();
	}
}
