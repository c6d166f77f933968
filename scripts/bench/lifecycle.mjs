// The task-lifecycle phase: create N no-op tasks, wait until the service goes quiet, then read
// every task once to check it COMPLETED exactly once. The wait reads only GET /__usage, whose
// own cost is one Worker request a read and is subtracted, so the "lifecycle" figures are what
// the tasks themselves cost; the verifying reads are priced separately.
import { fetchJson, perTask, pool, sleep, summary, UsageMeter, usageDelta, usdPerMillion } from "./measure.mjs";

/**
 * Nothing counted for this long means the queue, the objects and their projections are done.
 * Longer than the outbox's 5 s safety alarm, so the alarms a task's last change armed are
 * counted; generous too, because under load the local queue can pause between batches.
 */
const QUIET_MS = 8_000;
const USAGE_POLL_MS = 200;

async function createAll(url, tasks, concurrency, log) {
	const body = JSON.stringify({ task_name: "demo.sleep", payload: { duration_seconds: 0 } });
	const headers = { "content-type": "application/json" };
	const startedAt = performance.now();
	const created = await pool(Array.from({ length: tasks }), concurrency, async () => {
		const sent = performance.now();
		const { status, body: task } = await fetchJson(`${url}/v1/tasks`, { method: "POST", headers, body });
		const ms = performance.now() - sent;
		if (status !== 202) {
			throw new Error(`POST /v1/tasks answered ${status}: ${JSON.stringify(task)}`);
		}
		return { id: task.task_id, ms };
	});
	log(`created ${tasks} tasks in ${Math.round(performance.now() - startedAt)} ms`);
	return created;
}

/** Create latency with nothing else running: one at a time, after the load has drained. */
export async function idleCreateMs(url, count, log) {
	const created = await createAll(url, count, 1, log);
	return summary(created.map((c) => c.ms));
}

/** Polls the counters (less our own reads) until they stand still for QUIET_MS. */
export async function waitUntilQuiet(meter, timeoutMs) {
	const deadline = Date.now() + timeoutMs;
	let last = "";
	let changedAt = Date.now();
	for (;;) {
		const usage = await meter.read();
		const key = JSON.stringify({ ...usage, worker_requests: usage.worker_requests - meter.reads });
		if (key !== last) {
			last = key;
			changedAt = Date.now();
		}
		if (Date.now() - changedAt >= QUIET_MS) {
			return { usage, quiet: true };
		}
		if (Date.now() > deadline) {
			return { usage, quiet: false };
		}
		await sleep(USAGE_POLL_MS);
	}
}

/** GETs every task until each is terminal (normally one round: they already are). */
export async function readAll(url, ids, concurrency, timeoutMs) {
	const tasks = new Map();
	let pending = ids;
	let rounds = 0;
	const deadline = Date.now() + timeoutMs;
	while (pending.length > 0) {
		rounds++;
		const read = await pool(pending, concurrency, async (id) => {
			const { status, body } = await fetchJson(`${url}/v1/tasks/${id}`);
			if (status !== 200) {
				throw new Error(`GET /v1/tasks/${id} answered ${status}: ${JSON.stringify(body)}`);
			}
			return body;
		});
		for (const task of read) {
			tasks.set(task.task_id, task);
		}
		pending = read.filter((t) => !["COMPLETED", "COMPLETED_WITH_ERRORS", "FAILED", "CANCELED"].includes(t.status)).map((t) => t.task_id);
		if (pending.length > 0) {
			if (Date.now() > deadline) {
				throw new Error(`${pending.length} tasks still not terminal, e.g. ${pending[0]}`);
			}
			await sleep(500);
		}
	}
	return { tasks, rounds };
}

/** Evenly spread sample: its /events must hold exactly one `started` and one `completed`. */
async function checkEvents(url, ids, sampleSize, concurrency) {
	const step = ids.length / Math.min(sampleSize, ids.length);
	const sample = Array.from({ length: Math.min(sampleSize, ids.length) }, (_, i) => ids[Math.floor(i * step)]);
	const bad = [];
	await pool(sample, concurrency, async (id) => {
		const { status, body } = await fetchJson(`${url}/v1/tasks/${id}/events`);
		const types = status === 200 ? body.events.map((e) => e.type) : [];
		const times = (type) => types.filter((t) => t === type).length;
		if (times("started") !== 1 || times("completed") !== 1) {
			bad.push({ id, types });
		}
	});
	return { checked: sample.length, bad };
}

const round3 = (n) => Math.round(n * 1000) / 1000;

export async function runLifecycle({ url, tasks, concurrency, eventsSample, log }) {
	const meter = new UsageMeter(url);
	const before = await meter.read();
	meter.reads = 0;
	const created = await createAll(url, tasks, concurrency, log);
	const ids = created.map((c) => c.id);
	const waited = await waitUntilQuiet(meter, Math.max(60_000, tasks * 50));
	const lifecycle = usageDelta(before, waited.usage, meter.reads);
	log(waited.quiet ? `quiet after ${meter.reads} usage reads` : "gave up waiting for quiet; verifying anyway");

	const readsBefore = meter.reads;
	const { tasks: seen, rounds } = await readAll(url, ids, concurrency, 120_000);
	const afterReads = await meter.read();
	const oneRead = usageDelta(waited.usage, afterReads, meter.reads - readsBefore);
	const events = await checkEvents(url, ids, eventsSample, concurrency);

	const all = [...seen.values()];
	const wrong = all.filter((t) => t.status !== "COMPLETED" || t.attempt !== 1 || t.retry_count !== 0);
	const createdAt = all.map((t) => Date.parse(t.created_at));
	const completedAt = all.map((t) => Date.parse(t.completed_at));
	const span = Math.max(...completedAt) - Math.min(...createdAt);
	if (wrong.length > 0) {
		log(`not completed exactly once: ${wrong.length}, e.g. ${JSON.stringify(wrong[0])}`);
	}
	if (events.bad.length > 0) {
		log(`events wrong on ${events.bad.length} of ${events.checked}, e.g. ${JSON.stringify(events.bad[0])}`);
	}
	const lifecycleOps = perTask(lifecycle, tasks);
	// Not billed by the round trip, but D1 has one writer: its round trips per task bound the service.
	const d1RoundTrips = round3(((waited.usage.d1_round_trips ?? 0) - (before.d1_round_trips ?? 0)) / tasks);
	const withReadOps = perTask(oneRead, tasks);
	const combined = Object.fromEntries(Object.keys(lifecycleOps).map((k) => [k, round3(lifecycleOps[k] + withReadOps[k])]));
	return {
		create_ms: summary(created.map((c) => c.ms)),
		e2e_ms: summary(all.map((t) => Date.parse(t.completed_at) - Date.parse(t.created_at))),
		completed_per_s: Math.round((tasks / (span / 1000)) * 10) / 10,
		all_completed_once: wrong.length === 0 && events.bad.length === 0,
		events_checked: events.checked,
		// Counted before any task was read: exact unless the wait gave up or a second round was needed.
		cost_exact: waited.quiet && rounds === 1,
		per_task: lifecycleOps,
		d1_round_trips_per_task: d1RoundTrips,
		usd_per_million_tasks: usdPerMillion(lifecycleOps),
		// The same plus one GET /v1/tasks/{id} per task once it is done, as a client reading its result.
		per_task_with_one_read: combined,
		usd_per_million_tasks_with_one_read: usdPerMillion(combined),
	};
}
