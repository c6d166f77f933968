import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createTask as firstState } from "../src/task/machine";
import { emptyOutbox, flushOutbox, outboxDeadline, scheduleHistoryWrite } from "../src/task/outbox";
import type { TaskRecord } from "../src/task/task";
import { newTaskSpec } from "./helpers/task-spec";

const NOW = Date.parse("2026-11-01T00:00:00Z");

/** A QUEUED task whose message went out at NOW; its object is never created, so the real consumer's start finds nothing. */
function queuedRecord(): TaskRecord {
	const created = firstState(newTaskSpec({ tenant: "outbox-test" }), { now: NOW, random: () => 0.5 }).task;
	return { ...created, status: "QUEUED", queued_at: new Date(NOW).toISOString(), version: 2 };
}

afterEach(() => {
	vi.restoreAllMocks();
});

describe("an attempt the queue never delivered", () => {
	it("is owed again 15 minutes after its message went out, and sent again then", async () => {
		const record = queuedRecord();
		const outbox = { ...emptyOutbox(), enqueued_at: NOW, history_version: record.version };
		expect(outboxDeadline(outbox, record)).toBe(NOW + 15 * 60_000);

		const send = vi.spyOn(env.TASK_QUEUE, "send");
		await flushOutbox(env, { record, outbox }, NOW + 60_000);
		expect(send).not.toHaveBeenCalled();

		await flushOutbox(env, { record, outbox }, NOW + 15 * 60_000);
		expect(send).toHaveBeenCalledTimes(1);
		expect(send.mock.calls[0]?.[0]).toEqual({ task_id: record.task_id, tenant: "outbox-test", attempt: record.attempt });
		expect(outbox.enqueue_attempt).toBeNull();
		expect(outboxDeadline(outbox, record)).toBe(NOW + 30 * 60_000);
	});

	it("owes nothing once the attempt has started", () => {
		const record = { ...queuedRecord(), status: "PROCESSING" as const };
		expect(outboxDeadline({ ...emptyOutbox(), enqueued_at: NOW, history_version: record.version }, record)).toBeNull();
	});
});

describe("history writes", () => {
	it("go at once for creation and the end, and after a second for what lies between", () => {
		const outbox = emptyOutbox();
		const queued = queuedRecord();
		scheduleHistoryWrite(outbox, queued, NOW);
		expect(outbox.history_due_at).toBe(NOW);
		Object.assign(outbox, { history_version: queued.version, last_history_write_at: NOW });

		const started = { ...queued, status: "PROCESSING" as const, version: queued.version + 1 };
		scheduleHistoryWrite(outbox, started, NOW + 5_000);
		expect(outbox.history_due_at).toBe(NOW + 6_000);
		expect(outboxDeadline(outbox, started)).toBe(NOW + 6_000);

		// Progress while the PROCESSING write waits keeps its turn rather than pushing it back.
		const progressed = { ...started, version: started.version + 1 };
		scheduleHistoryWrite(outbox, progressed, NOW + 5_500);
		expect(outbox.history_due_at).toBe(NOW + 6_000);

		// Finishing inside the interval: the end goes at once and the PROCESSING write never does.
		const completed = { ...progressed, status: "COMPLETED" as const, version: progressed.version + 1 };
		scheduleHistoryWrite(outbox, completed, NOW + 5_600);
		expect(outbox.history_due_at).toBe(NOW + 5_600);
	});
});
