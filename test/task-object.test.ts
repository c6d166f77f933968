import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { historyDb } from "../src/history/db";
import { saveTaskSnapshot } from "../src/history/tasks";
import { RETRY_BACKOFF } from "../src/task/retry";
import type { Task } from "../src/task/task";
import {
	api,
	armedAlarm,
	createClaimedTask,
	createTask,
	expectProblem,
	fireAlarmsUntil,
	historyRow,
	holdQueue,
	holdTurns,
	postJson,
	readTask,
	runAttempt,
	runningAttempt,
	TENANT,
	taskEvents,
	taskStub,
} from "./helpers";

afterEach(() => {
	vi.restoreAllMocks();
});

/**
 * Waits until the D1 row agrees with the object: same status, version and snapshot. The object
 * shows a new state as soon as it is stored; its D1 write follows within the same call.
 */
function historyAgrees(taskId: string): Promise<Task> {
	return vi.waitFor(
		async () => {
			const task = (await readTask(taskStub(taskId))) as Task;
			const row = await historyRow(taskId);
			expect(row).toMatchObject({ tenant_id: TENANT, status: task.status, version: task.version, attempt: task.attempt });
			expect(JSON.parse(row?.snapshot ?? "null")).toEqual(task);
			return task;
		},
		{ timeout: 5_000, interval: 50 },
	);
}

describe("a failing D1 write", () => {
	it("is retried by the alarm and lands", async () => {
		const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
		await env.DB.exec("ALTER TABLE tasks RENAME TO tasks_unavailable");
		let task: Task;
		try {
			task = await createTask({ task_name: "demo.sleep", delay_seconds: 3600 });
			expect(task.status).toBe("SCHEDULED");
			// Create answers before history is written (the dispatcher's group commit): D1 stays
			// broken until that write has failed.
			const id = task.task_id;
			await vi.waitFor(() => expect(warn).toHaveBeenCalledWith(expect.stringMatching(/history delivery failed/), id, expect.anything()));
		} finally {
			await env.DB.exec("ALTER TABLE tasks_unavailable RENAME TO tasks");
		}
		expect(await historyRow(task.task_id)).toBeNull();
		warn.mockRestore();
		const stub = taskStub(task.task_id);
		// The outbox retry is armed well before run_at; one firing flushes it.
		expect(await armedAlarm(stub)).toBeLessThan(Date.parse(task.run_at ?? "") - 60_000);
		await fireAlarmsUntil(stub, async () => (await historyRow(task.task_id)) !== null, 3);
		const agreed = await historyAgrees(task.task_id);
		expect(agreed.status).toBe("SCHEDULED");
	});
});

describe("history projection", () => {
	it("once flushed, the D1 row agrees with the object", async () => {
		holdQueue();
		const created = await createTask({ task_name: "demo.sleep", payload: { duration_seconds: 1 } });
		expect((await runAttempt(created.task_id)).status).toBe("COMPLETED");
		const task = await historyAgrees(created.task_id);
		expect(task.version).toBeGreaterThan(3);
	});

	it("never moves a row backwards", async () => {
		holdQueue();
		const created = await createTask({ task_name: "demo.sleep", payload: { duration_seconds: 0 } });
		expect((await runAttempt(created.task_id)).status).toBe("COMPLETED");
		const done = await historyAgrees(created.task_id);
		// A late, repeated flush of an earlier version (alarms are at-least-once).
		const written = await saveTaskSnapshot(historyDb(env.DB), TENANT, created);
		expect(written).toBe(0);
		expect(await historyAgrees(created.task_id)).toEqual(done);
		expect((await historyRow(created.task_id))?.status).toBe("COMPLETED");
	});
});

describe("processing timeout", () => {
	it("fires from the alarm: retried as attempt 2, then FAILED with TIMEOUT", async () => {
		// Claimed by the test and renewed far past its timeout, as by a worker that hangs but heartbeats.
		const created = await createClaimedTask({
			task_name: "reports.build",
			timeout_seconds: 60,
			lease_seconds: 3600,
			max_retries: 1,
		});
		const stub = taskStub(created.task_id);
		expect(created).toMatchObject({ status: "PROCESSING", attempt: 1 });

		const retried = await fireAlarmsUntil(stub, (t) => t?.status !== "PROCESSING");
		expect(retried).toMatchObject({ status: "SCHEDULED", attempt: 2, retry_count: 1, error_code: "TIMEOUT" });

		expect(await fireAlarmsUntil(stub, (t) => t?.status !== "SCHEDULED")).toMatchObject({ status: "PENDING", attempt: 2 });
		expect(await stub.claimAttempt(2, { runner: "test-worker", lease_ms: 3_600_000 })).toMatchObject({ ok: true });
		const failed = await fireAlarmsUntil(stub, (t) => t?.status !== "PROCESSING");
		expect(failed).toMatchObject({ status: "FAILED", attempt: 2, error_code: "TIMEOUT", retry_count: 1, max_retries: 1 });

		const types = (await taskEvents(created.task_id)).map((e) => e.type);
		expect(types.filter((t) => t === "timed_out")).toHaveLength(2);
		expect(types.filter((t) => t === "claimed")).toHaveLength(2);
	});
});

describe("run_at", () => {
	it("a delayed task sleeps until its alarm, then runs", async () => {
		holdQueue();
		const task = await createTask({ task_name: "demo.sleep", payload: { duration_seconds: 0 }, delay_seconds: 3600 });
		expect(task.status).toBe("SCHEDULED");
		const stub = taskStub(task.task_id);
		await fireAlarmsUntil(stub, (t) => t?.status !== "SCHEDULED");
		const done = await runAttempt(task.task_id);
		expect(done.status).toBe("COMPLETED");
		const due = (await taskEvents(task.task_id)).find((e) => e.type === "due");
		expect(due).toMatchObject({ from_status: "SCHEDULED", to_status: "PENDING" });
		// Woken at run_at (the armed deadline), not earlier.
		expect(Date.parse(due?.at ?? "")).toBeGreaterThanOrEqual(Date.parse(task.run_at ?? ""));
		expect(done.attempt).toBe(1);
	});
});

describe("log lines", () => {
	it("are events of type log, in order with the transitions, and fenced by attempt", async () => {
		const task = await createClaimedTask({ task_name: "demo.sleep", payload: { duration_seconds: 3600 } });
		const stub = taskStub(task.task_id);
		const log = (message: string, data: Record<string, unknown> | null = null) => ({ kind: "log" as const, message, data });
		expect(await stub.report(task.token, log("reading input", { rows: 3 }))).toMatchObject({ ok: true, cancel_requested: false });
		expect(await stub.report(`${task.token}x`, log("not ours"))).toMatchObject({ ok: false, code: "NOT_FOUND" });
		expect(await stub.report(task.token, { kind: "complete", result: { rows: 3 }, errors: [] })).toMatchObject({ ok: true });
		expect(await stub.report(task.token, log("too late"))).toMatchObject({ ok: false, code: "CONFLICT" });

		const events = await taskEvents(task.task_id);
		expect(events.map((e) => e.type)).toEqual(["created", "claimed", "log", "completed"]);
		expect(events[2]).toMatchObject({ message: "reading input", data: { rows: 3 }, from_status: null, to_status: null });
		expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
	});
});

describe("soft cancel with grace_seconds", () => {
	it("escalates to hard at the deadline when the handler never acknowledges", async () => {
		const task = await createClaimedTask({ task_name: "demo.sleep", payload: { duration_seconds: 3600 } });
		const stub = taskStub(task.task_id);
		const res = await postJson(`/v1/tasks/${task.task_id}/cancel`, { mode: "soft", grace_seconds: 30 });
		const requested = await res.json<Task>();
		expect(requested).toMatchObject({ status: "PROCESSING", cancel_requested: true });
		// A second soft cancel changes nothing, and in particular does not move the deadline.
		const again = await postJson(`/v1/tasks/${task.task_id}/cancel`, { mode: "soft", grace_seconds: 600 });
		expect(await again.json()).toEqual(requested);

		const canceled = await fireAlarmsUntil(stub, (t) => t?.status !== "PROCESSING");
		expect(canceled).toMatchObject({ status: "CANCELED", attempt: 1, retry_count: 0 });
		const events = await taskEvents(task.task_id);
		const requestedAt = events.find((e) => e.type === "cancel_requested")?.at ?? "";
		expect(events.at(-1)).toMatchObject({ type: "canceled", from_status: "PROCESSING", to_status: "CANCELED", data: { mode: "hard" } });
		// Escalated at the grace deadline, long before the 1800 s processing timeout.
		expect(Date.parse(canceled?.completed_at ?? "")).toBe(Date.parse(requestedAt) + 30_000);
	});
});

describe("automatic retries", () => {
	it("demo.fail is retried with backoff, then FAILED with retry_count == max_retries", async () => {
		holdTurns();
		const created = await createTask({
			task_name: "demo.fail",
			payload: { code: "FLAKY", message: "try again", retryable: true },
			max_retries: 2,
		});
		const stub = taskStub(created.task_id);
		for (let retry = 1; retry <= 2; retry++) {
			const scheduled = await runAttempt(created.task_id);
			// The failure's release waits for history's group commit; a short backoff may already have
			// ended by then, so the failure's own event says where it went.
			expect(scheduled).toMatchObject({ retry_count: retry, attempt: retry + 1, error_code: "FLAKY" });
			expect((await taskEvents(created.task_id)).filter((e) => e.type === "failed").at(-1)?.to_status).toBe("SCHEDULED");
			// run_at = time of the failure + full-jitter backoff below the attempt's ceiling.
			const failedAt = Date.parse((await taskEvents(created.task_id)).filter((e) => e.type === "failed").at(-1)?.at ?? "");
			const delay = Date.parse(scheduled.run_at ?? "") - failedAt;
			expect(delay).toBeGreaterThanOrEqual(0);
			expect(delay).toBeLessThanOrEqual(RETRY_BACKOFF.baseMs * RETRY_BACKOFF.factor ** (retry - 1));
			await fireAlarmsUntil(stub, (t) => t?.status !== "SCHEDULED");
		}
		const failed = await runAttempt(created.task_id);
		expect(failed).toMatchObject({ attempt: 3, retry_count: 2, max_retries: 2, error_code: "FLAKY", error_message: "try again" });
		const failures = (await taskEvents(created.task_id)).filter((e) => e.type === "failed");
		expect(failures.map((e) => e.to_status)).toEqual(["SCHEDULED", "SCHEDULED", "FAILED"]);
	});
});

describe("retention", () => {
	it("purges the object 7 days after a terminal state; history still answers", async () => {
		const body = { task_name: "demo.sleep", payload: { duration_seconds: 0 } };
		const key = { "Idempotency-Key": `purge-${crypto.randomUUID()}` };
		holdQueue();
		const created = await createTask(body, key);
		const stub = taskStub(created.task_id);
		const done = await runAttempt(created.task_id);
		expect(done.status).toBe("COMPLETED");
		await historyAgrees(created.task_id);

		// A deadline that went away (the processing timeout) may stay armed: firing it re-arms
		// for the purge, which is due 7 days after completion and not before.
		const purgeAt = Date.parse(done.completed_at ?? "") + 7 * 86_400_000;
		await fireAlarmsUntil(stub, async () => (await armedAlarm(stub)) === purgeAt, 3);
		expect(await readTask(stub)).toEqual(done);
		await fireAlarmsUntil(stub, (t) => t === null, 1);
		const leftovers = await runInDurableObject(stub, async (_i, state) => ({
			keys: (await state.storage.list()).size,
			alarm: await state.storage.getAlarm(),
		}));
		expect(leftovers).toEqual({ keys: 0, alarm: null });
		const rows = await runInDurableObject(stub, (_i, state) =>
			["task", "log"].map((table) => state.storage.sql.exec(`SELECT count(*) AS n FROM ${table}`).one().n),
		);
		expect(rows).toEqual([0, 0]);

		// Never read through the API before, so KV is empty and the read falls back to D1.
		expect(await env.CACHE.get(`${TENANT}:task:${created.task_id}`)).toBeNull();
		const res = await api(`/v1/tasks/${created.task_id}`);
		expect(res.status).toBe(200);
		expect(await res.json()).toEqual(done);

		const problem = await expectProblem(await api(`/v1/tasks/${created.task_id}/events`), 404, "NOT_FOUND");
		expect(problem.detail).toMatch(/purged 7 days/);

		// The same object can take a task again (the key names it): its tables survive the purge.
		const again = await postJson("/v1/tasks", body, key);
		expect(again.status).toBe(202);
		expect((await runAttempt(created.task_id)).status).toBe("COMPLETED");
	});
});

describe("a builtin run whose instance dies mid-run", () => {
	/** Resets the object as a crash, a deploy or an exceeded limit would: its alarm invocation fails. */
	async function crash(taskId: string): Promise<void> {
		await runInDurableObject(taskStub(taskId), (_instance, state) => state.abort("crash mid-run")).catch(() => undefined);
	}

	it("runs again in place, and that re-run arms the attempt's deadlines: the platform's few retries are not all it has", {
		timeout: 30_000,
	}, async () => {
		holdQueue();
		holdTurns();
		const task = await createTask({
			task_name: "demo.sleep",
			payload: { duration_seconds: 600 },
			lease_seconds: 3600,
			timeout_seconds: 900,
		});
		expect(await taskStub(task.task_id).grant(1)).toBe(true);
		await vi.waitFor(async () => expect(await runningAttempt(task.task_id)).toBe(1), { timeout: 5_000, interval: 50 });
		await crash(task.task_id);
		// The failed invocation is retried (2 s later): the same attempt runs again.
		await vi.waitFor(async () => expect(await runningAttempt(task.task_id)).toBe(1), { timeout: 10_000, interval: 100 });
		const rerun = (await readTask(taskStub(task.task_id))) as Task;
		expect(rerun).toMatchObject({ status: "PROCESSING", attempt: 1 });
		// A failed alarm is retried a few times only (6 in production, as locally); should every one
		// of them die too, nothing would ever wake the task again (its lease and timeout included).
		// So the re-run keeps an alarm at the attempt's earliest deadline, here its timeout.
		const timeoutAt = Date.parse(rerun.started_at ?? "") + 900_000;
		expect(await armedAlarm(taskStub(task.task_id))).toBe(timeoutAt);
		// Should that run die as well, the task still has its alarm (not the platform's next retry).
		await crash(task.task_id);
		expect(await armedAlarm(taskStub(task.task_id))).toBe(timeoutAt);
		expect(await readTask(taskStub(task.task_id))).toMatchObject({ status: "PROCESSING", attempt: 1 });
		await postJson(`/v1/tasks/${task.task_id}/cancel`, { mode: "hard" });
	});
});
