/**
 * The task side of dispatch, through a real TaskObject: create answers before any receiver, the
 * alarm is armed with the commit, every delivery survives a failing receiver and lands once,
 * and grants, offers and releases can be repeated harmlessly.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { dispatcherFor } from "../src/dispatch";
import type { OfferAnswer } from "../src/dispatch/protocol";
import type { Outbox } from "../src/task/outbox";
import { SAFETY_MS } from "../src/task/outbox";
import type { Task } from "../src/task/task";
import type { TaskObject } from "../src/task/task-object";
import {
	armedAlarm,
	createClaimedTask,
	createTask,
	deliverMessages,
	finishBuiltinRun,
	fireAlarmsUntil,
	historyRow,
	holdQueue,
	postJson,
	readTask,
	spyOnDispatcher,
	TENANT,
	taskEvents,
	taskStub,
} from "./helpers";

afterEach(() => {
	vi.restoreAllMocks();
});

const unavailable = () => new Error("receiver unavailable");

/** An http task: its turn queues the attempt (a builtin one starts in its own object, no queue). */
function createPushTask(): Promise<Task> {
	return createTask({ task_name: "render.video", payload: {}, target: { url: "http://push-target.test/run" } });
}

/** A receiver that fails twice, then works: `vi.spyOn(...).mockRejectedValueOnce` ×2 over the real one. */
function failTwice<T extends { mockRejectedValueOnce(error: unknown): T }>(spy: T): T {
	return spy.mockRejectedValueOnce(unavailable()).mockRejectedValueOnce(unavailable());
}

function quiet(): void {
	vi.spyOn(console, "warn").mockImplementation(() => undefined);
}

/**
 * The row and the alarm as the object's storage holds them (not its memory: acknowledgements
 * ride along with the next write, so a stored delivery may be one already made).
 */
function storedState(stub: DurableObjectStub<TaskObject>) {
	return runInDurableObject(stub, async (_instance, state) => {
		const row = state.storage.sql.exec<{ outbox: string }>("SELECT outbox FROM task").one();
		return { alarm: await state.storage.getAlarm(), outbox: JSON.parse(row.outbox) as Outbox };
	});
}

describe("create", () => {
	it("answers PENDING before the dispatcher or D1 has seen the task, with the retrying alarm already armed", async () => {
		let answer: (value: OfferAnswer) => void = () => undefined;
		const offer = spyOnDispatcher("offer").mockReturnValueOnce(new Promise((resolve) => (answer = resolve)));
		const d1 = vi.spyOn(env.DB, "batch");
		const before = Date.now();
		const task = await createTask({ task_name: "demo.sleep", payload: { duration_seconds: 0 } });
		expect(task.status).toBe("PENDING");
		expect(d1).not.toHaveBeenCalled();
		expect(await historyRow(task.task_id)).toBeNull();

		// The offer is out and unanswered (as in an object killed mid-flush): the stored row owes
		// it, and the alarm that retries it was written with that row.
		const stub = taskStub(task.task_id);
		await vi.waitFor(() => expect(offer).toHaveBeenCalledTimes(1));
		const stored = await storedState(stub);
		expect(stored.outbox.deliveries.map((d) => d.key)).toEqual(["offer:1", "history"]);
		expect(stored.alarm).toBeGreaterThanOrEqual(before + SAFETY_MS);
		expect(stored.alarm).toBeLessThanOrEqual(Date.now() + SAFETY_MS);

		// A builtin attempt starts in the grant's own commit: no queue message, no QUEUED state.
		const send = holdQueue();
		answer({ granted: true });
		expect(await finishBuiltinRun(task.task_id)).toMatchObject({ status: "COMPLETED", attempt: 1 });
		expect((await taskEvents(task.task_id)).map((e) => e.type)).toEqual(["created", "started", "completed"]);
		expect(send).not.toHaveBeenCalled();
	});

	it("of a task for later writes its history at once: no offer carries it", async () => {
		const task = await createTask({ task_name: "demo.sleep", delay_seconds: 3600 });
		const row = await vi.waitFor(async () => {
			const found = await historyRow(task.task_id);
			expect(found).not.toBeNull();
			return found;
		});
		expect(row).toMatchObject({ status: "SCHEDULED", version: 1 });
	});
});

describe("a failing receiver", () => {
	it("offer: retried from the alarm until granted, and granted once", async () => {
		quiet();
		holdQueue();
		const offer = failTwice(spyOnDispatcher("offer"));
		const task = await createTask({ task_name: "demo.sleep", payload: { duration_seconds: 0 } });
		const stub = taskStub(task.task_id);
		await fireAlarmsUntil(stub, (t) => t?.status !== "PENDING", 5);
		expect(offer).toHaveBeenCalledTimes(3);
		expect(await finishBuiltinRun(task.task_id)).toMatchObject({ status: "COMPLETED" });
		expect((await taskEvents(task.task_id)).filter((e) => e.type === "started")).toHaveLength(1);
	});

	it("enqueue: the queue message is sent again until the queue takes it, then no more", async () => {
		quiet();
		const send = failTwice(holdQueue());
		const task = await createPushTask();
		const stub = taskStub(task.task_id);
		expect(await stub.grant(1)).toBe(true);
		await vi.waitFor(() => expect(send).toHaveBeenCalled());
		await fireAlarmsUntil(stub, () => send.mock.calls.length === 3, 5);
		expect(new Set(send.mock.calls.map((call) => JSON.stringify(call[0])))).toEqual(
			new Set([JSON.stringify({ task_id: task.task_id, tenant: TENANT, attempt: 1 })]),
		);
		// Once taken, the message goes again only as a redelivery (the machine's deadline).
		expect(await runDurableObjectAlarm(stub)).toBe(true);
		const redeliveries = (await taskEvents(task.task_id)).filter((e) => e.type === "redelivered").length;
		expect(send).toHaveBeenCalledTimes(3 + redeliveries);
	});

	it("release: retried until the dispatcher has it; it carries the final snapshot, so history needs no call of its own", async () => {
		quiet();
		const task = await createClaimedTask({ task_name: "demo.sleep", payload: { duration_seconds: 3600 } });
		const release = failTwice(spyOnDispatcher("release"));
		const record = spyOnDispatcher("record");
		const stub = taskStub(task.task_id);
		expect(await stub.report(task.token, { kind: "complete", result: { ok: true }, errors: [] })).toMatchObject({ ok: true });
		expect((await historyRow(task.task_id))?.status).not.toBe("COMPLETED");
		await fireAlarmsUntil(stub, async () => (await historyRow(task.task_id))?.status === "COMPLETED", 5);
		expect(release).toHaveBeenCalledTimes(3);
		expect(release.mock.calls.map((call) => call[0].attempt)).toEqual([1, 1, 1]);
		expect(record).not.toHaveBeenCalled();
		const done = (await readTask(stub)) as Task;
		expect(await historyRow(task.task_id)).toMatchObject({ status: "COMPLETED", version: done.version });
		// Nothing is owed before the purge, seven days on.
		expect(await armedAlarm(stub)).toBe(Date.parse(done.completed_at ?? "") + 7 * 86_400_000);
	});

	it("history: a snapshot nothing else carries is retried until D1 has it", async () => {
		quiet();
		const record = failTwice(spyOnDispatcher("record"));
		const task = await createTask({ task_name: "demo.sleep", delay_seconds: 3600 });
		const stub = taskStub(task.task_id);
		await vi.waitFor(() => expect(record).toHaveBeenCalled());
		await fireAlarmsUntil(stub, async () => (await historyRow(task.task_id)) !== null, 5);
		expect(record).toHaveBeenCalledTimes(3);
		expect(await historyRow(task.task_id)).toMatchObject({ status: "SCHEDULED", version: 1 });
		// Still asleep: the retries came long before run_at.
		expect(await readTask(stub)).toMatchObject({ status: "SCHEDULED" });
	});
});

describe("repeated calls are harmless", () => {
	it("a grant applies once; a grant for another attempt, or after the end, is refused", async () => {
		const send = holdQueue();
		const offer = spyOnDispatcher("offer").mockResolvedValue({ granted: false, waiting: { reason: "paused", since: "" } } as OfferAnswer);
		// Runs for a second, so the attempt still holds its turn when asked.
		const task = await createTask({ task_name: "demo.sleep", payload: { duration_seconds: 1 } });
		await vi.waitFor(() => expect(offer).toHaveBeenCalled());
		const stub = taskStub(task.task_id);
		expect(await stub.grant(2)).toBe(false);
		expect(await stub.grant(1)).toBe(true);
		expect(await stub.grant(1)).toBe(true);
		expect(await stub.holdsTurn(1)).toBe(true);
		expect(await stub.holdsTurn(2)).toBe(false);
		expect(await finishBuiltinRun(task.task_id)).toMatchObject({ status: "COMPLETED" });
		expect((await taskEvents(task.task_id)).filter((e) => e.type === "started")).toHaveLength(1);
		expect(await stub.holdsTurn(1)).toBe(false);
		expect(await stub.grant(1)).toBe(false);
		// A builtin attempt is run by its own object: no queue message, ever.
		expect(send).not.toHaveBeenCalled();
	});

	it("a repeated release (or record) of the same version leaves history as it was", async () => {
		const task = await createClaimedTask({ task_name: "demo.sleep", payload: { duration_seconds: 3600 } });
		const stub = taskStub(task.task_id);
		await stub.report(task.token, { kind: "complete", result: { n: 1 }, errors: [] });
		const done = (await readTask(stub)) as Task;
		const row = await historyRow(task.task_id);
		expect(row).toMatchObject({ status: "COMPLETED", version: done.version });
		const dispatcher = dispatcherFor(env, TENANT, task.namespace);
		const snapshot = { tenant: TENANT, task: done };
		await dispatcher.release({ tenant: TENANT, task_id: task.task_id, attempt: 1, snapshot });
		await dispatcher.record(snapshot);
		await dispatcher.record({ tenant: TENANT, task: task });
		expect(await historyRow(task.task_id)).toEqual(row);
	});
});

describe("a QUEUED attempt nothing starts", () => {
	it("is sent again from the alarm 30 s after it was queued; a late original runs nothing twice", async () => {
		const send = holdQueue();
		const target = vi.spyOn(globalThis, "fetch").mockImplementation(async () => Response.json({ ok: true }));
		const task = await createPushTask();
		const stub = taskStub(task.task_id);
		await stub.grant(1);
		await vi.waitFor(() => expect(send).toHaveBeenCalledTimes(1));
		const queued = (await readTask(stub)) as Task;
		await fireAlarmsUntil(stub, () => send.mock.calls.length === 2, 3);
		const redelivered = (await taskEvents(task.task_id)).find((e) => e.type === "redelivered");
		expect(Date.parse(redelivered?.at ?? "")).toBe(Date.parse(queued.queued_at ?? "") + 30_000);
		expect(await readTask(stub)).toEqual(queued);

		await deliverMessages(send.mock.calls.map((call) => call[0]));
		expect(await readTask(stub)).toMatchObject({ status: "COMPLETED", result: { ok: true } });
		expect((await taskEvents(task.task_id)).filter((e) => e.type === "started")).toHaveLength(1);
		expect(target).toHaveBeenCalledTimes(1);
	});
});

describe("every way a task ends CANCELED", () => {
	it("has error_code CANCELED and a message saying how", async () => {
		holdQueue();
		const waiting = await createTask({ task_name: "demo.sleep", delay_seconds: 3600 });
		const soft = await (await postJson(`/v1/tasks/${waiting.task_id}/cancel`, { mode: "soft" })).json<Task>();
		expect(soft).toMatchObject({ status: "CANCELED", error_code: "CANCELED", error_message: "soft cancel while SCHEDULED" });

		const running = await createClaimedTask({ task_name: "demo.sleep", payload: { duration_seconds: 3600 } });
		const hard = await (await postJson(`/v1/tasks/${running.task_id}/cancel`, { mode: "hard" })).json<Task>();
		expect(hard).toMatchObject({ status: "CANCELED", error_code: "CANCELED" });
		expect(hard.error_message).toMatch(/^hard cancel: attempt 1 stopped while running/);
	});
});
