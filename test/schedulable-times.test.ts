/**
 * Times and durations a request carries are bounded by what the platform can arm
 * (src/contract/limits.ts): past the limit is a 422 naming it, and nothing is stored.
 */
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import {
	LATEST_ARMABLE_MS,
	LATEST_RUN_AT,
	LATEST_RUN_AT_MS,
	MAX_DELAY_SECONDS,
	MAX_GRACE_SECONDS,
	MAX_INVOCATION_SECONDS,
	MAX_TIMEOUT_SECONDS,
} from "../src/contract/limits";
import { idempotentTaskId, newTaskId } from "../src/task/ids";
import { RETRY_BACKOFF } from "../src/task/retry";
import type { Task } from "../src/task/task";
import { api, armedAlarm, createTask, expectProblem, postJson, TENANT, taskStub } from "./helpers";
import { newTaskSpec } from "./helpers/task-spec";

const uniqueNamespace = () => `limits-${crypto.randomUUID().slice(0, 8)}`;

describe("run_at the platform cannot arm", () => {
	it("is a 422 naming the limit, stores nothing, and leaves the Idempotency-Key free", async () => {
		const namespace = uniqueNamespace();
		const key = `never-${crypto.randomUUID()}`;
		const never = { task_name: "demo.sleep", namespace, run_at: "9999-12-31T23:59:59Z" };
		const problem = await expectProblem(await postJson("/v1/tasks", never, { "Idempotency-Key": key }), 422, "VALIDATION_FAILED");
		expect(problem.errors).toEqual([{ path: "run_at", message: expect.stringContaining(LATEST_RUN_AT) }]);

		// The same request again is refused again: no task was stored under the key.
		await expectProblem(await postJson("/v1/tasks", never, { "Idempotency-Key": key }), 422, "VALIDATION_FAILED");
		const taskId = await idempotentTaskId(TENANT, key);
		await expectProblem(await api(`/v1/tasks/${taskId}`), 404, "NOT_FOUND");
		const list = await (await api(`/v1/tasks?namespace=${namespace}`)).json<{ total: number }>();
		expect(list.total).toBe(0);
		const stats = await (await api(`/v1/tasks/stats?namespace=${namespace}`)).json<{ total: number }>();
		expect(stats.total).toBe(0);

		const valid = await postJson("/v1/tasks", { ...never, run_at: "2030-01-01T00:00:00Z" }, { "Idempotency-Key": key });
		expect(valid.status, await valid.clone().text()).toBe(202);
		expect((await valid.json<Task>()).task_id).toBe(taskId);
	});

	it.each(["2263-01-01T00:00:00Z", "2262-04-12T00:00:00Z", "2262-01-01T00:00:00.001Z"])("refuses %s", async (runAt) => {
		const problem = await expectProblem(await postJson("/v1/tasks", { task_name: "demo.sleep", run_at: runAt }), 422, "VALIDATION_FAILED");
		expect(problem.errors?.map((e) => e.path)).toEqual(["run_at"]);
	});

	it("accepts the limit itself and arms the alarm for it", async () => {
		const task = await createTask({ task_name: "demo.sleep", run_at: LATEST_RUN_AT });
		expect(task).toMatchObject({ status: "SCHEDULED", run_at: new Date(LATEST_RUN_AT_MS).toISOString() });
		// Once its creation has reached history (the dispatcher's group commit), only run_at is left to arm.
		await vi.waitFor(async () => expect(await armedAlarm(taskStub(task.task_id))).toBe(LATEST_RUN_AT_MS), { timeout: 3_000 });
	});

	it("leaves room after the latest run_at for every deadline that can follow it", () => {
		const retentionDays = 30;
		const after = (MAX_TIMEOUT_SECONDS + MAX_GRACE_SECONDS) * 1000 + RETRY_BACKOFF.capMs + retentionDays * 86_400_000;
		expect(LATEST_RUN_AT_MS + after).toBeLessThan(LATEST_ARMABLE_MS);
	});
});

describe("durations", () => {
	it.each([
		["timeout_seconds", { timeout_seconds: MAX_TIMEOUT_SECONDS + 1 }],
		["timeout_seconds", { timeout_seconds: 0 }],
		["delay_seconds", { delay_seconds: MAX_DELAY_SECONDS + 1 }],
		["delay_seconds", { delay_seconds: -1 }],
	])("%s out of range is a 422 naming it", async (path, extra) => {
		const problem = await expectProblem(await postJson("/v1/tasks", { task_name: "demo.sleep", ...extra }), 422, "VALIDATION_FAILED");
		expect(problem.errors).toEqual([{ path, message: expect.stringMatching(/seconds/) }]);
	});

	it("accepts each at its limit", async () => {
		// A pull task: a builtin one is bounded by one alarm invocation (900 s) before this limit.
		const body = { task_name: "etl.nightly", execution: "pull", timeout_seconds: MAX_TIMEOUT_SECONDS, delay_seconds: MAX_DELAY_SECONDS };
		const task = await createTask(body);
		expect(task).toMatchObject({ status: "SCHEDULED", timeout_seconds: MAX_TIMEOUT_SECONDS });
	});

	it("grace_seconds past a day is a 422 and leaves the task as it was", async () => {
		const task = await createTask({ task_name: "demo.sleep", delay_seconds: 3600 });
		const cancel = await postJson(`/v1/tasks/${task.task_id}/cancel`, { mode: "soft", grace_seconds: MAX_GRACE_SECONDS + 1 });
		const problem = await expectProblem(cancel, 422, "VALIDATION_FAILED");
		expect(problem.errors?.map((e) => e.path)).toEqual(["grace_seconds"]);
		expect((await (await api(`/v1/tasks/${task.task_id}`)).json<Task>()).status).toBe("SCHEDULED");
	});

	it.each([
		["empty", "", "duration"],
		["past one invocation", String(MAX_INVOCATION_SECONDS + 1), "duration"],
	])("/tasks/slow with a duration %s is a 422", async (_what, duration, path) => {
		const problem = await expectProblem(await api(`/tasks/slow?duration=${duration}`, { method: "POST" }), 422, "VALIDATION_FAILED");
		expect(problem.errors?.map((e) => e.path)).toEqual([path]);
	});
});

describe("the task's object", () => {
	it("arms a deadline past the platform's last instant at that instant instead of failing after storing", async () => {
		const taskId = newTaskId();
		const stub = taskStub(taskId);
		const spec = newTaskSpec({ task_id: taskId, tenant: TENANT, max_retries: 0, run_at: Date.parse("9999-12-31T23:59:59Z") });
		const answer = await runInDurableObject(stub, (instance) => instance.create(spec, null));
		expect(answer).toMatchObject({ ok: true, created: true, task: { status: "SCHEDULED" } });
		await vi.waitFor(async () => expect(await armedAlarm(stub)).toBe(LATEST_ARMABLE_MS), { timeout: 3_000 });
	});
});
