import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createTask as firstState } from "../src/task/machine";
import {
	emptyOutbox,
	flushOutbox,
	HISTORY_DELAY_MS,
	type Outbox,
	outboxDeadline,
	owe,
	oweHistory,
	readOutbox,
	SAFETY_MS,
} from "../src/task/outbox";
import type { TaskRecord } from "../src/task/task";
import { spyOnDispatcher } from "./helpers";
import { newTaskSpec } from "./helpers/task-spec";

const NOW = Date.parse("2026-11-01T00:00:00Z");

/** A task of a tenant no test reads; its object is never created, so nothing but the outbox acts on it. */
function record(status: TaskRecord["status"], version: number): TaskRecord {
	const created = firstState(newTaskSpec({ tenant: "outbox-test" }), { now: NOW, random: () => 0.5 }).task;
	return { ...created, status, version };
}

afterEach(() => {
	vi.restoreAllMocks();
});

describe("history is owed by every commit", () => {
	it("waits HISTORY_DELAY_MS when an offer carries the snapshot, and keeps its turn as newer states come", () => {
		const outbox = emptyOutbox();
		owe(outbox, "offer", 1, NOW);
		oweHistory(outbox, record("PENDING", 1), NOW);
		expect(outbox.deliveries).toContainEqual({ kind: "history", key: "history", version: 1, tries: 0, retry_at: NOW + HISTORY_DELAY_MS });
		// The offer went out (and was settled) before the grant's commit: that commit is not urgent.
		outbox.deliveries = outbox.deliveries.filter((d) => d.kind !== "offer");
		oweHistory(outbox, record("QUEUED", 2), NOW + 1_000);
		oweHistory(outbox, record("PROCESSING", 3), NOW + 2_000);
		expect(outbox.deliveries).toEqual([{ kind: "history", key: "history", version: 3, tries: 0, retry_at: NOW + HISTORY_DELAY_MS }]);
	});

	it("goes at once for a task created with no offer to carry it (created SCHEDULED)", () => {
		const outbox = emptyOutbox();
		oweHistory(outbox, record("SCHEDULED", 1), NOW);
		expect(outbox.deliveries).toEqual([{ kind: "history", key: "history", version: 1, tries: 0, retry_at: NOW }]);
	});

	it("goes at once for a terminal state, and is not owed for a version history has", () => {
		const outbox: Outbox = { deliveries: [], history_version: 4 };
		oweHistory(outbox, record("PROCESSING", 4), NOW);
		expect(outbox.deliveries).toEqual([]);
		oweHistory(outbox, record("CANCELED", 5), NOW);
		expect(outbox.deliveries).toEqual([{ kind: "history", key: "history", version: 5, tries: 0, retry_at: NOW }]);
	});

	it("an outbox stored before deliveries were a list still owes its message and history", () => {
		const upgraded = readOutbox({ enqueue_attempt: 2, history_version: 3 });
		expect(upgraded.history_version).toBe(3);
		expect(upgraded.deliveries.map((d) => d.key)).toEqual(["enqueue:2", "history"]);
	});
});

describe("the alarm deadline", () => {
	it("is a safety retry for what is due now, or the earliest backoff", () => {
		const outbox = emptyOutbox();
		expect(outboxDeadline(outbox, NOW)).toBeNull();
		owe(outbox, "enqueue", 1, NOW);
		expect(outboxDeadline(outbox, NOW)).toBe(NOW + SAFETY_MS);
		(outbox.deliveries[0] as { retry_at: number }).retry_at = NOW + 1_500;
		expect(outboxDeadline(outbox, NOW)).toBe(NOW + 1_500);
	});

	it("owes one delivery per kind and attempt", () => {
		const outbox = emptyOutbox();
		owe(outbox, "release", 1, NOW);
		owe(outbox, "release", 1, NOW + 10);
		owe(outbox, "release", 2, NOW + 10);
		expect(outbox.deliveries.map((d) => d.key)).toEqual(["release:1", "release:2"]);
	});
});

describe("the flusher", () => {
	it("drops an offer whose attempt no longer waits, without asking the dispatcher", async () => {
		const offer = spyOnDispatcher("offer");
		const target = { record: record("QUEUED", 2), outbox: { deliveries: [], history_version: 2 } as Outbox };
		owe(target.outbox, "offer", 1, NOW);
		const granted = vi.fn();
		await flushOutbox(env, target, NOW, granted);
		expect(offer).not.toHaveBeenCalled();
		expect(granted).not.toHaveBeenCalled();
		expect(target.outbox.deliveries).toEqual([]);
	});

	it("takes an offer D1 has recorded as that version's history, before the grant's own state is owed", async () => {
		spyOnDispatcher("offer").mockResolvedValue({ granted: true, recorded: true });
		const target = { record: record("PENDING", 1), outbox: emptyOutbox() };
		owe(target.outbox, "offer", 1, NOW);
		oweHistory(target.outbox, target.record, NOW);
		// The grant commits the next state, as the object does: its history waits its own full delay.
		const granted = vi.fn(() => {
			target.record = { ...target.record, status: "QUEUED", version: 2 };
			oweHistory(target.outbox, target.record, NOW + 1_000);
		});
		await flushOutbox(env, target, NOW, granted);
		expect(granted).toHaveBeenCalledWith(1);
		expect(target.outbox.history_version).toBe(1);
		expect(target.outbox.deliveries).toEqual([
			{ kind: "history", key: "history", version: 2, tries: 0, retry_at: NOW + 1_000 + HISTORY_DELAY_MS },
		]);
	});

	it("still owes the history of an offer D1 could not record", async () => {
		spyOnDispatcher("offer").mockResolvedValue({ granted: false, waiting: { reason: "concurrency", since: "" }, recorded: false });
		const target = { record: record("PENDING", 1), outbox: emptyOutbox() };
		owe(target.outbox, "offer", 1, NOW);
		oweHistory(target.outbox, target.record, NOW);
		await flushOutbox(env, target, NOW, vi.fn());
		expect(target.outbox).toEqual({
			deliveries: [{ kind: "history", key: "history", version: 1, tries: 0, retry_at: NOW + HISTORY_DELAY_MS }],
			history_version: 0,
		});
	});

	it("lets a pending release carry history instead of writing it alone", async () => {
		const release = spyOnDispatcher("release").mockResolvedValue();
		const recorded = spyOnDispatcher("record").mockResolvedValue();
		const target = { record: record("COMPLETED", 4), outbox: emptyOutbox() };
		oweHistory(target.outbox, target.record, NOW);
		owe(target.outbox, "release", 1, NOW);
		await flushOutbox(env, target, NOW, vi.fn());
		expect(release).toHaveBeenCalledTimes(1);
		expect(release.mock.calls[0]?.[0]).toMatchObject({ attempt: 1, snapshot: { task: { status: "COMPLETED", version: 4 } } });
		expect(recorded).not.toHaveBeenCalled();
		expect(target.outbox).toEqual({ deliveries: [], history_version: 4 });
	});

	it("backs a failed delivery off with jitter and keeps going with the rest", async () => {
		vi.spyOn(console, "warn").mockImplementation(() => undefined);
		vi.spyOn(env.TASK_QUEUE, "send").mockRejectedValue(new Error("queue unavailable"));
		const recorded = spyOnDispatcher("record").mockResolvedValue();
		const target = { record: record("QUEUED", 2), outbox: emptyOutbox() };
		owe(target.outbox, "enqueue", 1, NOW);
		oweHistory(target.outbox, { ...target.record, status: "FAILED" }, NOW);
		await flushOutbox(env, target, NOW, vi.fn());
		expect(recorded).toHaveBeenCalledTimes(1);
		const [failed] = target.outbox.deliveries;
		expect(target.outbox.deliveries).toHaveLength(1);
		expect(failed).toMatchObject({ kind: "enqueue", tries: 1 });
		expect(failed?.retry_at).toBeGreaterThanOrEqual(NOW + 250);
		expect(failed?.retry_at).toBeLessThanOrEqual(NOW + 1_000);
		// Not yet due: a flush before its retry time sends nothing.
		await flushOutbox(env, target, NOW + 200, vi.fn());
		expect(env.TASK_QUEUE.send).toHaveBeenCalledTimes(1);
	});
});
