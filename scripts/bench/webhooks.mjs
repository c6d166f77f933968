// The webhooks phase: N no-op tasks run with no subscription (the control), then a local receiver
// (node:http, answering 200) subscribes to terminal events and N more run the same way. The
// second batch's cost less the control's is what one delivered event costs: both run back to back
// at the same concurrency, since a task's own cost moves with load (how long it lives decides how
// often its history is written), so another phase's per-task cost is no baseline. The lag is from
// a task's completed_at to its event's arrival. It runs after the phases whose tasks it must not see.
import { createServer } from "node:http";
import { waitUntilQuiet } from "./lifecycle.mjs";
import { fetchJson, perTask, pool, sleep, summary, UsageMeter, usageDelta, usdPerMillion } from "./measure.mjs";

function startReceiver() {
	const arrivals = new Map();
	const server = createServer((request, response) => {
		const chunks = [];
		request.on("data", (chunk) => chunks.push(chunk));
		request.on("end", () => {
			const event = JSON.parse(Buffer.concat(chunks).toString("utf8"));
			arrivals.set(event.id, { at: Date.now(), completed_at: Date.parse(event.data.completed_at) });
			response.writeHead(200).end();
		});
	});
	return new Promise((resolve) =>
		server.listen(0, "127.0.0.1", () => resolve({ url: `http://127.0.0.1:${server.address().port}/hook`, arrivals, server })),
	);
}

/** Creates `tasks` no-op tasks at `concurrency` and answers their billable operations per task once quiet. */
async function measureBatch(url, tasks, concurrency) {
	const meter = new UsageMeter(url);
	const before = await meter.read();
	meter.reads = 0;
	const body = JSON.stringify({ task_name: "demo.sleep", payload: { duration_seconds: 0 } });
	await pool(Array.from({ length: tasks }), concurrency, async () => {
		// A 503 (a busy local object) is retried after its Retry-After, as a client would.
		for (let tries = 1; ; tries++) {
			const { status } = await fetchJson(`${url}/v1/tasks`, { method: "POST", headers: { "content-type": "application/json" }, body });
			if (status === 202) {
				return;
			}
			if (status !== 503 || tries === 5) {
				throw new Error(`POST /v1/tasks answered ${status}`);
			}
			await sleep(1000);
		}
	});
	const waited = await waitUntilQuiet(meter, Math.max(60_000, tasks * 100));
	return { quiet: waited.quiet, perTask: perTask(usageDelta(before, waited.usage, meter.reads), tasks) };
}

export async function runWebhooks({ url, tasks, concurrency, log }) {
	const control = await measureBatch(url, tasks, concurrency);
	const receiver = await startReceiver();
	try {
		const subscribed = await fetchJson(`${url}/v1/webhooks`, {
			method: "POST",
			headers: { "content-type": "application/json" },
			body: JSON.stringify({ url: receiver.url }),
		});
		if (subscribed.status !== 201) {
			throw new Error(`POST /v1/webhooks answered ${subscribed.status}: ${JSON.stringify(subscribed.body)}`);
		}
		const measured = await measureBatch(url, tasks, concurrency);
		const perTaskOps = measured.perTask;
		const perEvent = Object.fromEntries(
			Object.keys(perTaskOps).map((kind) => [kind, Math.round((perTaskOps[kind] - (control.perTask[kind] ?? 0)) * 1000) / 1000]),
		);
		const delivered = receiver.arrivals.size;
		log(
			`webhooks: ${delivered} of ${tasks} events delivered; per event on top of its task ${JSON.stringify(perEvent)} = ${usdPerMillion(perEvent)} USD per million`,
		);
		return {
			tasks,
			delivered,
			cost_exact: control.quiet && measured.quiet && delivered === tasks,
			lag_ms: summary([...receiver.arrivals.values()].map((a) => a.at - a.completed_at)),
			per_task_without_webhook: control.perTask,
			per_task_with_webhook: perTaskOps,
			per_delivered_event: perEvent,
			usd_per_million_delivered_events: usdPerMillion(perEvent),
		};
	} finally {
		receiver.server.close();
	}
}
