/**
 * The dispatcher's group commit of history, with its clock and its writer in the test's hands:
 * how many D1 round trips a stream of snapshots costs, and who waits for what.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FLUSH_BURST, GroupCommit, HOLD_MS, MAX_BUFFERED, WINDOW_MS } from "../src/dispatch/group-commit";
import type { HistorySnapshot } from "../src/dispatch/protocol";
import { craftTask } from "./helpers/history-seed";

beforeEach(() => {
	vi.useFakeTimers({ now: Date.parse("2026-11-01T00:00:00Z") });
});
afterEach(() => {
	vi.useRealTimers();
});

function recorder(fail = false) {
	const writes: HistorySnapshot[][] = [];
	const write = vi.fn(async (snapshots: HistorySnapshot[]) => {
		writes.push(snapshots);
		if (fail) {
			throw new Error("D1 unavailable");
		}
	});
	return { writes, group: new GroupCommit(write) };
}

const snapshot = (over: Parameters<typeof craftTask>[0] = {}): HistorySnapshot => ({ tenant: "t", task: craftTask(over) });

describe("group commit", () => {
	it("writes what arrives together in one round trip, keeping each task's latest version", async () => {
		const { writes, group } = recorder();
		const first = snapshot();
		const later = { tenant: "t", task: { ...first.task, status: "COMPLETED" as const, version: 4 } };
		const done = Promise.all([group.add(first), group.add(later), ...Array.from({ length: 28 }, () => group.add(snapshot()))]);
		await vi.advanceTimersByTimeAsync(0);
		await done;
		expect(writes).toHaveLength(1);
		expect(writes[0]).toHaveLength(29);
		expect(writes[0]?.find((s) => s.task.task_id === first.task.task_id)?.task.version).toBe(4);
	});

	it("under a steady stream, costs about one round trip per window, not one per snapshot", async () => {
		const { writes, group } = recorder();
		const pending: Promise<void>[] = [];
		// 200 snapshots over 4 s: one every 20 ms.
		for (let i = 0; i < 200; i++) {
			pending.push(group.add(snapshot()));
			await vi.advanceTimersByTimeAsync(20);
		}
		await vi.advanceTimersByTimeAsync(WINDOW_MS);
		await Promise.all(pending);
		const elapsed = 200 * 20 + WINDOW_MS;
		// A few at once after the quiet start, then one per window.
		expect(writes.length).toBeLessThanOrEqual(FLUSH_BURST + Math.ceil(elapsed / WINDOW_MS));
		expect(writes.flat()).toHaveLength(200);
	});

	/** Flushes one snapshot at a time until the quiet start's burst is spent. */
	async function spendBurst(group: GroupCommit) {
		for (let i = 0; i < FLUSH_BURST; i++) {
			const one = group.add(snapshot());
			await vi.advanceTimersByTimeAsync(0);
			await one;
		}
	}

	it("writes at once when the buffer is full rather than waiting out the window", async () => {
		const { writes, group } = recorder();
		await spendBurst(group);
		const full = Array.from({ length: MAX_BUFFERED }, () => group.add(snapshot()));
		await vi.advanceTimersByTimeAsync(1);
		await Promise.all(full);
		expect(writes.map((w) => w.length)).toEqual([...Array(FLUSH_BURST).fill(1), MAX_BUFFERED]);
	});

	it("once the burst is spent, waits out the window before the next flush", async () => {
		const { writes, group } = recorder();
		await spendBurst(group);
		const next = group.add(snapshot());
		await vi.advanceTimersByTimeAsync(WINDOW_MS - 1);
		expect(writes).toHaveLength(FLUSH_BURST);
		await vi.advanceTimersByTimeAsync(1);
		await next;
		expect(writes).toHaveLength(FLUSH_BURST + 1);
	});

	it("holds a started task's creation for its release: a task that ends within the hold is written once, as it ended", async () => {
		const { writes, group } = recorder();
		const created = snapshot();
		void group.add(created, HOLD_MS);
		const other = group.add(snapshot());
		await vi.advanceTimersByTimeAsync(0);
		await other;
		// The flush took the snapshot nothing held, and left the held one.
		expect(writes).toHaveLength(1);
		expect(writes[0]?.map((s) => s.task.task_id)).not.toContain(created.task.task_id);
		await vi.advanceTimersByTimeAsync(HOLD_MS / 2);
		const ended = group.add({ tenant: "t", task: { ...created.task, status: "COMPLETED" as const, version: 3 } });
		await vi.advanceTimersByTimeAsync(WINDOW_MS);
		await ended;
		const mine = writes.flat().filter((s) => s.task.task_id === created.task.task_id);
		expect(mine.map((s) => [s.task.status, s.task.version])).toEqual([["COMPLETED", 3]]);
	});

	it("writes a held snapshot once its hold has passed when nothing replaces it", async () => {
		const { writes, group } = recorder();
		const held = group.add(snapshot(), HOLD_MS);
		await vi.advanceTimersByTimeAsync(HOLD_MS - 1);
		expect(writes).toHaveLength(0);
		await vi.advanceTimersByTimeAsync(1);
		await held;
		expect(writes).toHaveLength(1);
	});

	it("a flush before its token is whole is paid for: the next waits a whole window after it", async () => {
		const { writes, group } = recorder();
		await spendBurst(group);
		const early = group.add(snapshot());
		// A timer that fires a moment early (a Worker's clock moves only with I/O) flushes anyway.
		await vi.advanceTimersByTimeAsync(WINDOW_MS - 1);
		await group.flush();
		await early;
		const next = group.add(snapshot());
		await vi.advanceTimersByTimeAsync(WINDOW_MS - 1);
		expect(writes).toHaveLength(FLUSH_BURST + 1);
		await vi.advanceTimersByTimeAsync(2);
		await next;
		expect(writes).toHaveLength(FLUSH_BURST + 2);
	});

	it("rejects every waiter of a failed batch, so each task's outbox retries", async () => {
		const { group } = recorder(true);
		const waits = [group.add(snapshot()), group.add(snapshot())].map((p) =>
			p.then(
				() => "ok",
				(e: Error) => e.message,
			),
		);
		await vi.advanceTimersByTimeAsync(WINDOW_MS);
		expect(await Promise.all(waits)).toEqual(["D1 unavailable", "D1 unavailable"]);
	});
});
