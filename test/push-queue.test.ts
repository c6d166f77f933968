/**
 * Push attempts through the real consumer and TaskObject: the network is the one stand-in
 * (vitest-pool-workers has no outbound mock, so `fetch` is spied on), the target's answers are
 * scripted, and every request it receives is verified with `standardwebhooks`.
 */
import { env } from "cloudflare:workers";
import { Webhook } from "standardwebhooks";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { signingSecretsOf } from "../src/services/signing-secret";
import type { Task } from "../src/task/task";
import { createTask, deliverMessages, fireAlarmsUntil, holdQueue, postJson, readTask, TENANT, taskEvents, taskStub } from "./helpers";

const TARGET = "http://push-target.test/run";

interface Pushed {
	task_id: string;
	task_name: string;
	attempt: number;
	payload: unknown;
	token: string;
	report_url: string;
}

/** Scripts the target's answers, one per request, and checks each request's signature. */
function scriptTarget(...answers: (() => Response)[]) {
	const received: Pushed[] = [];
	const spy = vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
		const request = new Request(input, init);
		expect(request.url).toBe(TARGET);
		const body = await request.text();
		const [secret] = await signingSecretsOf(env, TENANT);
		received.push(new Webhook(secret as string).verify(body, Object.fromEntries(request.headers)) as Pushed);
		const answer = answers.shift();
		if (!answer) {
			throw new Error("the target was called more often than scripted");
		}
		return answer();
	});
	return { received, spy };
}

/** Grants the task's turn (unless the dispatcher did) and delivers its queue message, as the dispatcher and the queue would. */
async function pushCurrentAttempt(taskId: string): Promise<Task> {
	const stub = taskStub(taskId);
	const { attempt, status } = (await readTask(stub)) as Task;
	if (status === "PENDING") {
		expect(await stub.grant(attempt)).toBe(true);
	}
	await deliverMessages([{ task_id: taskId, tenant: TENANT, attempt }]);
	return (await readTask(stub)) as Task;
}

async function createPushTask(extra: Record<string, unknown> = {}): Promise<Task> {
	return createTask({ task_name: "render.video", payload: { frames: 24 }, target: { url: TARGET }, ...extra });
}

describe("push attempts", () => {
	beforeEach(() => {
		holdQueue();
	});
	afterEach(() => {
		vi.restoreAllMocks();
	});

	it("a 2xx with a JSON body completes the task with it as result, from one signed request", async () => {
		const { received } = scriptTarget(() => Response.json({ frames_done: 24 }));
		const task = await createPushTask();
		expect(task.execution).toBe("http");
		const done = await pushCurrentAttempt(task.task_id);
		expect(done).toMatchObject({ status: "COMPLETED", result: { frames_done: 24 }, attempt: 1 });
		expect(received).toEqual([
			{
				task_id: task.task_id,
				task_name: "render.video",
				attempt: 1,
				payload: { frames: 24 },
				token: expect.stringMatching(/^tpa_/),
				report_url: `http://taskplane.test/v1/tasks/${task.task_id}`,
				lease_expires_at: expect.any(String),
			},
		]);
		expect((await taskEvents(task.task_id)).map((e) => e.message)).toContain("attempt 1 started by push to push-target.test");
	});

	it("a 202 leaves the attempt PROCESSING until the target reports with the token", async () => {
		const { received } = scriptTarget(() => new Response(null, { status: 202 }));
		const task = await createPushTask();
		expect(await pushCurrentAttempt(task.task_id)).toMatchObject({ status: "PROCESSING", attempt: 1 });
		const [pushed] = received as [Pushed];
		const path = new URL(pushed.report_url).pathname;
		const auth = { authorization: `Bearer ${pushed.token}` };
		expect((await postJson(`${path}/progress`, { percent: 50 }, auth)).status).toBe(200);
		expect((await postJson(`${path}/complete`, { result: { frames_done: 24 } }, auth)).status).toBe(200);
		expect(await readTask(taskStub(task.task_id))).toMatchObject({ status: "COMPLETED", result: { frames_done: 24 } });
	});

	it("a 4xx other than 408 and 429 fails the task for good with HTTP_<status>", async () => {
		const { received } = scriptTarget(() => new Response("frames must be even", { status: 400 }));
		const task = await createPushTask({ max_retries: 3 });
		expect(await pushCurrentAttempt(task.task_id)).toMatchObject({
			status: "FAILED",
			error_code: "HTTP_400",
			error_message: "the target answered 400: frames must be even",
			retry_count: 0,
		});
		expect(received).toHaveLength(1);
	});

	it.each([
		["408", () => new Response(null, { status: 408 }), "HTTP_408"],
		["429", () => new Response(null, { status: 429 }), "HTTP_429"],
		["500", () => new Response("boom", { status: 500 }), "HTTP_500"],
		[
			"a timeout",
			() => {
				throw new DOMException("The operation was aborted due to timeout", "TimeoutError");
			},
			"TARGET_TIMEOUT",
		],
		[
			"a network error",
			() => {
				throw new TypeError("Network connection lost.");
			},
			"TARGET_UNREACHABLE",
		],
	])("%s is retried: the next attempt is pushed again and can complete", async (_label, first, code) => {
		const { received } = scriptTarget(first, () => Response.json({ ok: true }));
		const task = await createPushTask({ max_retries: 1 });
		const failed = await pushCurrentAttempt(task.task_id);
		expect(failed).toMatchObject({ error_code: code, retry_count: 1, attempt: 2 });
		// Backing off (SCHEDULED), or already woken by the real alarm: full jitter can make the backoff ~0.
		expect(["SCHEDULED", "PENDING", "QUEUED"]).toContain(failed.status);
		// The backoff's alarm brings the attempt back for a turn; its message is ours to deliver.
		await fireAlarmsUntil(taskStub(task.task_id), (t) => t?.status === "PENDING" || t?.status === "QUEUED");
		expect(await pushCurrentAttempt(task.task_id)).toMatchObject({ status: "COMPLETED", result: { ok: true }, attempt: 2 });
		expect(received.map((r) => r.attempt)).toEqual([1, 2]);
		expect(received[0]?.token).not.toBe(received[1]?.token);
	});
});
