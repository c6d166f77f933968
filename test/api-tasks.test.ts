import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Task, TaskStatus } from "../src/task/task";
import {
	api,
	createClaimedTask,
	createTask,
	expectProblem,
	getTask,
	holdQueue,
	holdTurns,
	postJson,
	readTask,
	runAttempt,
	runningAttempt,
	TENANT,
	taskEvents,
	taskStub,
	waitForStatus,
} from "./helpers";

afterEach(() => {
	vi.restoreAllMocks();
});

const kvKey = (taskId: string) => `${TENANT}:task:${taskId}`;

/** Polls the public API (as a client would) until the task reaches `status`. */
function pollUntil(taskId: string, status: TaskStatus, timeout = 4_000): Promise<Task> {
	return vi.waitFor(
		async () => {
			const task = await getTask(taskId);
			expect(task.status).toBe(status);
			return task;
		},
		{ timeout, interval: 100 },
	);
}

describe("POST /v1/tasks → COMPLETED, run by the task's own object", () => {
	it("answers 202 with Location and the task, which then runs to COMPLETED", async () => {
		const res = await postJson("/v1/tasks", { task_name: "demo.sleep", payload: { duration_seconds: 0 }, metadata: { company_id: "c1" } });
		expect(res.status).toBe(202);
		const task = await res.json<Task>();
		expect(res.headers.get("location")).toBe(`/v1/tasks/${task.task_id}`);
		expect(task).toMatchObject({
			task_name: "demo.sleep",
			task_type: "demo",
			task_type_display: "Demo",
			namespace: "default",
			attempt: 1,
			retry_count: 0,
			max_retries: 3,
			// A builtin type's 1800 s default is capped at 900 s: one alarm invocation runs the attempt.
			timeout_seconds: 900,
			metadata: { company_id: "c1" },
			cancel_requested: false,
		});
		// The answer waits for the task's own storage only: its turn and its run follow.
		expect(task.status).toBe("PENDING");

		const done = await pollUntil(task.task_id, "COMPLETED");
		expect(done.result).toEqual({ slept_seconds: 0 });
		expect(done.completed_at).not.toBeNull();
		expect(done.duration_seconds).toBeGreaterThanOrEqual(0);

		const events = await taskEvents(task.task_id);
		expect(events.map((e) => [e.type, e.from_status, e.to_status])).toEqual([
			["created", null, "PENDING"],
			// A builtin attempt starts in the commit of its turn: no queue, no QUEUED between.
			["started", "PENDING", "PROCESSING"],
			["completed", "PROCESSING", "COMPLETED"],
		]);
		const seqs = events.map((e) => e.seq);
		expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
		expect(new Set(seqs).size).toBe(seqs.length);
		const times = events.map((e) => Date.parse(e.at));
		expect(times).toEqual([...times].sort((a, b) => a - b));
	});
});

describe("Idempotency-Key", () => {
	it("returns the same task for the same key and body; 422 for another body", async () => {
		const key = { "Idempotency-Key": `key-${crypto.randomUUID()}` };
		const body = { task_name: "demo.sleep", payload: { duration_seconds: 0, note: "x" }, priority: 5 };
		const first = await createTask(body, key);
		expect(first.idempotency_key).toBe(key["Idempotency-Key"]);

		// Same body, keys in another order: the same request.
		const again = await postJson("/v1/tasks", { priority: 5, payload: { note: "x", duration_seconds: 0 }, task_name: "demo.sleep" }, key);
		expect(again.status).toBe(200);
		expect((await again.json<Task>()).task_id).toBe(first.task_id);
		expect(again.headers.get("location")).toBe(`/v1/tasks/${first.task_id}`);

		const other = await postJson("/v1/tasks", { ...body, priority: 6 }, key);
		const problem = await expectProblem(other, 422, "VALIDATION_FAILED");
		expect(problem.errors?.[0]?.path).toBe("Idempotency-Key");

		const unkeyed = await createTask(body);
		expect(unkeyed.task_id).not.toBe(first.task_id);
	});
});

describe("GET /v1/tasks/{id}", () => {
	it("answers with an ETag; If-None-Match gets 304 until the task moves", async () => {
		const task = await createTask({ task_name: "demo.sleep", delay_seconds: 3600 });
		const res = await api(`/v1/tasks/${task.task_id}`);
		const etag = res.headers.get("etag");
		expect(etag).toBe(`"${task.version}"`);

		const unchanged = await api(`/v1/tasks/${task.task_id}`, { headers: { "If-None-Match": etag ?? "" } });
		expect(unchanged.status).toBe(304);
		expect(unchanged.headers.get("etag")).toBe(etag);
		expect(await unchanged.text()).toBe("");

		await postJson(`/v1/tasks/${task.task_id}/cancel`, {});
		const moved = await api(`/v1/tasks/${task.task_id}`, { headers: { "If-None-Match": etag ?? "" } });
		expect(moved.status).toBe(200);
		expect(moved.headers.get("etag")).toBe(`"${task.version + 1}"`);
	});

	it("keeps only final snapshots in KV: COMPLETED yes, live or retryable FAILED no", async () => {
		const live = await createTask({ task_name: "demo.sleep", delay_seconds: 3600 });
		expect((await getTask(live.task_id)).status).toBe("SCHEDULED");

		holdQueue();
		const finished = await createTask({ task_name: "demo.sleep", payload: { duration_seconds: 0 } });
		expect((await runAttempt(finished.task_id)).status).toBe("COMPLETED");
		expect(await env.CACHE.get(kvKey(finished.task_id))).toBeNull();
		const read = await getTask(finished.task_id);
		// Written cache-aside after the response (waitUntil).
		const cached = await vi.waitFor(async () => {
			const value = await env.CACHE.get<Task>(kvKey(finished.task_id), "json");
			expect(value).not.toBeNull();
			return value;
		});
		expect(cached).toEqual(read);
		// The live read's cache-aside step ran before the terminal one: nothing was written.
		expect(await env.CACHE.get(kvKey(live.task_id))).toBeNull();

		// FAILED is terminal but a retry can revive it, so it is never cached.
		const failed = await createTask({ task_name: "demo.fail", payload: { retryable: false } });
		expect((await runAttempt(failed.task_id)).status).toBe("FAILED");
		await getTask(failed.task_id);
		await getTask(finished.task_id);
		expect(await env.CACHE.get(kvKey(failed.task_id))).toBeNull();
	});
});

describe("cancel", () => {
	it("soft: a running demo.sleep gets cancel_requested, then stops as CANCELED", async () => {
		holdQueue();
		const task = await createTask({ task_name: "demo.sleep", payload: { duration_seconds: 30 } });
		const run = runAttempt(task.task_id);
		await waitForStatus(task.task_id, "PROCESSING");
		const res = await postJson(`/v1/tasks/${task.task_id}/cancel`, { mode: "soft" });
		expect(res.status).toBe(200);
		expect(await res.json()).toMatchObject({ status: "PROCESSING", cancel_requested: true });

		// The handler sees the request at its next report (within a second) and stops.
		const canceled = await run;
		expect(canceled.status).toBe("CANCELED");
		expect(canceled).toMatchObject({ cancel_requested: true, attempt: 1, retry_count: 0 });
		const types = (await taskEvents(task.task_id)).map((e) => e.type);
		expect(types.filter((t) => t === "cancel_requested")).toHaveLength(1);
		expect(types.at(-1)).toBe("failed");
	});

	it("hard: CANCELED at once, and the attempt's later reports are fenced", async () => {
		const task = await createClaimedTask({ task_name: "demo.sleep", payload: { duration_seconds: 30 } });
		const res = await postJson(`/v1/tasks/${task.task_id}/cancel`, { mode: "hard" });
		expect(res.status).toBe(200);
		const canceled = await res.json<Task>();
		expect(canceled).toMatchObject({ status: "CANCELED", cancel_requested: true });

		const stub = taskStub(task.task_id);
		// The handler stops at once and its late reports change nothing.
		await vi.waitFor(async () => expect(await runningAttempt(task.task_id)).toBeNull(), { timeout: 3_000, interval: 50 });
		expect(await readTask(stub)).toMatchObject({ status: "CANCELED", version: canceled.version, result: null });
	});

	it("a task not yet running is CANCELED at once, soft or hard", async () => {
		const task = await createTask({ task_name: "demo.sleep", delay_seconds: 3600 });
		const res = await postJson(`/v1/tasks/${task.task_id}/cancel`, {});
		expect(await res.json()).toMatchObject({ status: "CANCELED" });
	});
});

describe("retry", () => {
	it("runs a FAILED task again as attempt 2, which fails again", async () => {
		holdTurns();
		const task = await createTask({ task_name: "demo.fail", payload: { code: "NOPE", message: "no", retryable: false }, max_retries: 1 });
		const failed = await runAttempt(task.task_id);
		expect(failed).toMatchObject({ attempt: 1, retry_count: 0, error_code: "NOPE" });

		const res = await postJson(`/v1/tasks/${task.task_id}/retry`, {});
		expect(res.status).toBe(200);
		const retried = await res.json<Task>();
		expect(retried).toMatchObject({ attempt: 2, retry_count: 1, error_code: null });
		expect(retried.status).toBe("PENDING");

		// Read through GET: the first FAILED snapshot must not answer for the retried task.
		await runAttempt(task.task_id);
		const again = await getTask(task.task_id);
		expect(again).toMatchObject({ status: "FAILED", attempt: 2, retry_count: 1, error_code: "NOPE" });

		await expectProblem(await postJson(`/v1/tasks/${task.task_id}/retry`, {}), 409, "CONFLICT");
		const reset = await postJson(`/v1/tasks/${task.task_id}/retry`, { reset_attempts: true });
		expect(await reset.json()).toMatchObject({ attempt: 3, retry_count: 0 });
		expect(await runAttempt(task.task_id)).toMatchObject({ status: "FAILED", attempt: 3 });
	});
});
