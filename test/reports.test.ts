/**
 * The report routes as a runner sees them: authorised by the attempt token alone, fenced by
 * token and attempt (404 unknown, 409 stale or ended), each answering the cancel flag and the
 * lease; and the external mode's lifecycle through them.
 */

import { afterEach, describe, expect, it, vi } from "vitest";
import { mintAttemptToken } from "../src/auth/attempt-tokens";
import type { LeaseAnswer, ReportReceipt } from "../src/execute/protocol";
import type { Task } from "../src/task/task";
import {
	api,
	createClaimedTask,
	createTask,
	fireAlarmsUntil,
	getTask,
	type Problem,
	postJson,
	spyOnDispatcher,
	TENANT,
	taskEvents,
	taskStub,
} from "./helpers";

type Created = Task & { token?: string };

afterEach(() => {
	vi.restoreAllMocks();
});

function report(taskId: string, kind: string, token: string | null, body?: unknown): Promise<Response> {
	// A report with nothing to say sends no body at all, as `curl -X POST` does.
	const headers: Record<string, string> = body === undefined ? {} : { "content-type": "application/json" };
	if (token !== null) {
		headers.authorization = `Bearer ${token}`;
	}
	return api(`/v1/tasks/${taskId}/${kind}`, { method: "POST", headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

async function receipt(res: Response): Promise<ReportReceipt> {
	expect(res.status, await res.clone().text()).toBe(200);
	return res.json<ReportReceipt>();
}

async function createExternal(body: Record<string, unknown> = {}): Promise<Created & { token: string }> {
	const task = (await createTask({ task_name: "ci.deploy", execution: "external", ...body })) as Created;
	expect(task.token).toMatch(/^tpa_/);
	return task as Created & { token: string };
}

describe("external tasks", () => {
	it("wait for their runner outside the dispatcher: no waiting reason, and a paused namespace does not hold their start", async () => {
		const namespace = `ext-${crypto.randomUUID().slice(0, 8)}`;
		expect((await api(`/v1/namespaces/${namespace}/pause`, { method: "POST" })).status).toBe(200);
		const task = await createExternal({ namespace });
		const waiting = await getTask(task.task_id);
		expect(waiting.status).toBe("PENDING");
		expect(waiting).not.toHaveProperty("waiting");
		await receipt(await report(task.task_id, "start", task.token));
		expect(await getTask(task.task_id)).toMatchObject({ status: "PROCESSING" });
	});

	it("are tracked through their runner's reports: start, progress, log, complete", async () => {
		const task = await createExternal({ payload: { commit: "abc123" } });
		expect(task).toMatchObject({ status: "PENDING", execution: "external", lease_expires_at: null });
		// The token is shown once, with the create answer; reads never carry it.
		expect(await getTask(task.task_id)).not.toHaveProperty("token");

		expect(await receipt(await report(task.task_id, "start", task.token))).toEqual({ cancel_requested: false, lease_expires_at: null });
		expect(await getTask(task.task_id)).toMatchObject({ status: "PROCESSING", started_at: expect.any(String) });
		await receipt(await report(task.task_id, "progress", task.token, { done: 3, total: 10, message: "deploying" }));
		await receipt(await report(task.task_id, "log", task.token, { message: "pushed image", data: { tag: "v2" } }));
		await receipt(await report(task.task_id, "heartbeat", task.token));
		expect(await getTask(task.task_id)).toMatchObject({ progress: { done: 3, total: 10, percent: null, message: "deploying" } });
		await receipt(await report(task.task_id, "complete", task.token, { result: { url: "https://example.test" } }));

		expect(await getTask(task.task_id)).toMatchObject({ status: "COMPLETED", result: { url: "https://example.test" } });
		const events = await taskEvents(task.task_id);
		expect(events.map((e) => e.type)).toEqual(["created", "started", "log", "completed"]);
		expect(events[2]).toMatchObject({ message: "pushed image", data: { tag: "v2" } });
		// The attempt is over: its token reports nothing more.
		expect((await report(task.task_id, "log", task.token, { message: "late" })).status).toBe(409);
	});

	it("a first report other than start starts the task; a failure is final (the runner owns its retries)", async () => {
		const task = await createExternal({ max_retries: 3 });
		await receipt(await report(task.task_id, "fail", task.token, { code: "EXIT_1", message: "step 3 failed" }));
		expect(await getTask(task.task_id)).toMatchObject({ status: "FAILED", error_code: "EXIT_1", attempt: 1, retry_count: 0 });
	});

	it("see a cancel as cancel_requested in their next answer; a hard cancel fences them with 409", async () => {
		const task = await createExternal();
		await receipt(await report(task.task_id, "start", task.token));
		await postJson(`/v1/tasks/${task.task_id}/cancel`, { mode: "soft" });
		expect(await receipt(await report(task.task_id, "heartbeat", task.token))).toMatchObject({ cancel_requested: true });
		await postJson(`/v1/tasks/${task.task_id}/cancel`, { mode: "hard" });
		const fenced = await report(task.task_id, "complete", task.token, {});
		expect(fenced.status).toBe(409);
		expect(await getTask(task.task_id)).toMatchObject({ status: "CANCELED", result: null });
	});

	it("with lease_seconds, lose the attempt when the lease runs out: LEASE_EXPIRED", async () => {
		const task = await createExternal({ lease_seconds: 30 });
		const started = await receipt(await report(task.task_id, "start", task.token));
		expect(Date.parse(started.lease_expires_at ?? "")).toBeGreaterThan(Date.now());
		const stub = taskStub(task.task_id);
		const ended = await fireAlarmsUntil(stub, (t) => t?.status !== "PROCESSING", 3);
		expect(ended).toMatchObject({ status: "FAILED", error_code: "LEASE_EXPIRED", lease_expires_at: null });
	});

	it("a manual retry answers with the new attempt's token; the old one is stale (409)", async () => {
		const task = await createExternal();
		await receipt(await report(task.task_id, "fail", task.token, { message: "flaky", retryable: false }));
		const res = await postJson(`/v1/tasks/${task.task_id}/retry`, { reset_attempts: true });
		const retried = await res.json<Created>();
		expect(retried).toMatchObject({ status: "PENDING", attempt: 2, token: expect.stringMatching(/^tpa_/) });
		expect((await report(task.task_id, "start", task.token)).status).toBe(409);
		await receipt(await report(task.task_id, "start", retried.token ?? ""));
		expect(await getTask(task.task_id)).toMatchObject({ status: "PROCESSING", attempt: 2 });
	});
});

describe("report fencing", () => {
	it("needs an attempt token: none, or an API key, is a 401", async () => {
		const task = await createExternal();
		expect((await report(task.task_id, "heartbeat", null)).status).toBe(401);
		const withKey = await report(task.task_id, "heartbeat", "tp_0123456789ab_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
		expect(withKey.status).toBe(401);
		expect((await withKey.json<Problem>()).detail).toMatch(/attempt token/);
	});

	it("a token this task never issued is a 404, and so is another task's", async () => {
		const task = await createExternal();
		const other = await createExternal();
		expect((await report(task.task_id, "start", mintAttemptToken(TENANT))).status).toBe(404);
		expect((await report(task.task_id, "start", other.token)).status).toBe(404);
		expect((await report(task.task_id, "start", "tpa_garbage")).status).toBe(404);
		expect((await getTask(task.task_id)).status).toBe("PENDING");
	});

	it("an earlier attempt's token is stale (409) once the next attempt is claimed", async () => {
		const first = await createClaimedTask({ task_name: "reports.build", max_retries: 2 });
		expect(first.lease_expires_at).not.toBeNull();
		await receipt(await report(first.task_id, "fail", first.token, { code: "FLAKY", message: "try again" }));
		const stub = taskStub(first.task_id);
		expect(await fireAlarmsUntil(stub, (t) => t?.status === "PENDING", 3)).toMatchObject({ attempt: 2 });
		const claim = (await stub.claimAttempt(2, { runner: "worker-2" })) as LeaseAnswer;
		expect(claim.ok).toBe(true);
		const stale = await report(first.task_id, "progress", first.token, { percent: 10 });
		expect(stale.status).toBe(409);
		expect((await stale.json<Problem>()).detail).toMatch(/attempt 1/);
		if (claim.ok) {
			await receipt(await report(first.task_id, "complete", claim.lease.token, { result: 2 }));
		}
		expect(await getTask(first.task_id)).toMatchObject({ status: "COMPLETED", attempt: 2, result: 2 });
	});

	it("a pull attempt whose runner goes quiet loses its lease: LEASE_EXPIRED, retried", async () => {
		const task = await createClaimedTask({ task_name: "reports.build", lease_seconds: 20 });
		const stub = taskStub(task.task_id);
		const retried = await fireAlarmsUntil(stub, (t) => t?.status !== "PROCESSING", 3);
		expect(retried).toMatchObject({ status: "SCHEDULED", attempt: 2, error_code: "LEASE_EXPIRED" });
		// Long before the attempt's timeout: the lease noticed the runner was gone.
		const expiredAt = (await taskEvents(task.task_id)).find((e) => e.type === "lease_expired")?.at ?? "";
		expect(Date.parse(expiredAt)).toBe(Date.parse(task.lease_expires_at ?? ""));
		expect((await report(task.task_id, "heartbeat", task.token)).status).toBe(409);
	});
});

describe("creating with an execution mode", () => {
	it("a pull task's offer says so, and the dispatcher holds it for a claim instead of granting a queue turn", async () => {
		const offer = spyOnDispatcher("offer");
		const task = await createTask({ task_name: "email.send" });
		await vi.waitFor(() => expect(offer).toHaveBeenCalled());
		expect(offer.mock.calls[0]?.[0]).toMatchObject({ task_id: task.task_id, execution: "pull" });
		expect(await offer.mock.results[0]?.value).toMatchObject({ granted: false, waiting: { reason: "worker" } });
		expect(await getTask(task.task_id)).toMatchObject({ status: "PENDING", execution: "pull" });
	});

	it("a builtin task asking for more than 900 s is a 422 naming the limit", async () => {
		const res = await postJson("/v1/tasks", { task_name: "demo.sleep", timeout_seconds: 901 });
		expect(res.status).toBe(422);
		const problem = await res.json<Problem>();
		expect(problem.errors).toEqual([{ path: "timeout_seconds", message: expect.stringMatching(/900 s/) }]);
		// Longer work is fine when something else runs it.
		const pull = await createTask({ task_name: "ml_training.fit", timeout_seconds: 6 * 3600 });
		expect(pull).toMatchObject({ execution: "pull", timeout_seconds: 6 * 3600 });
	});

	it("builtin for a name with no compiled-in handler is a 422; an unknown name defaults to pull", async () => {
		const res = await postJson("/v1/tasks", { task_name: "email.send", execution: "builtin" });
		expect(res.status).toBe(422);
		expect((await res.json<Problem>()).errors?.[0]?.path).toBe("execution");
		expect(await createTask({ task_name: "email.send" })).toMatchObject({ status: "PENDING", execution: "pull" });
		expect(await createTask({ task_name: "demo.sleep" })).toMatchObject({ execution: "builtin", lease_seconds: null });
	});

	it("lease_seconds outside its bounds is a 422", async () => {
		const res = await postJson("/v1/tasks", { task_name: "email.send", lease_seconds: 1 });
		expect(res.status).toBe(422);
		expect((await res.json<Problem>()).errors?.[0]?.path).toBe("lease_seconds");
	});
});
