/** Shared test helpers: drive the Worker over HTTP and its objects by firing their alarms. */
import { createExecutionContext, createMessageBatch, getQueueResult, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { expect, type MockInstance, vi } from "vitest";
import { NamespaceObject } from "../src/dispatch/namespace-object";
import type { Dispatcher } from "../src/dispatch/protocol";
import type { LeaseAnswer } from "../src/execute/protocol";
import worker from "../src/index";
import { HISTORY_DELAY_MS } from "../src/task/outbox";
import type { Task, TaskStatus } from "../src/task/task";
import type { TaskEventEntry, TaskObject } from "../src/task/task-object";

/** Tests run as the keyless dev tenant (vitest.config.ts sets ENVIRONMENT=development). */
export const TENANT = "dev";

export interface Problem {
	type: string;
	title: string;
	status: number;
	code: string;
	detail: string;
	errors?: { path: string; message: string }[];
}

export function api(path: string, init?: RequestInit): Promise<Response> {
	return exports.default.fetch(`http://taskplane.test${path}`, init);
}

export function postJson(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
	return api(path, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
}

export async function createTask(body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Task> {
	const res = await postJson("/v1/tasks", body, headers);
	expect(res.status, await res.clone().text()).toBe(202);
	return res.json<Task>();
}

export async function getTask(taskId: string): Promise<Task> {
	const res = await api(`/v1/tasks/${taskId}`);
	expect(res.status).toBe(200);
	return res.json<Task>();
}

export async function taskEvents(taskId: string): Promise<TaskEventEntry[]> {
	const res = await api(`/v1/tasks/${taskId}/events`);
	expect(res.status).toBe(200);
	return (await res.json<{ events: TaskEventEntry[] }>()).events;
}

/**
 * Polls the task's object (not the API: a GET of a terminal task writes KV, which some tests
 * must not do) until the task satisfies `check`; real queue work is asynchronous.
 */
export async function waitForTask(taskId: string, check: (task: Task) => boolean, timeout = 4_000): Promise<Task> {
	const stub = taskStub(taskId);
	return vi.waitFor(
		async () => {
			const task = await readTask(stub);
			if (!task || !check(task)) {
				throw new Error(`task ${taskId} is ${task?.status ?? "missing"}`);
			}
			return task;
		},
		{ timeout, interval: 50 },
	);
}

export function waitForStatus(taskId: string, status: TaskStatus, timeout?: number): Promise<Task> {
	return waitForTask(taskId, (task) => task.status === status, timeout);
}

/**
 * A spy on what `dispatcherFor()` hands the task side, so a test can fail, hold or watch a
 * dispatcher call. The one place that names the implementation: swap it here with it.
 */
export function spyOnDispatcher<M extends keyof Dispatcher>(method: M) {
	return vi.spyOn(NamespaceObject.prototype, method);
}

/**
 * Keeps the task queue's messages from the runtime's own consumer, so a test decides when (and
 * whether) an attempt is delivered, with `deliverMessages`. The spy records what was sent;
 * `vi.restoreAllMocks()` (or `mockRestore()`) lets messages through again.
 */
export function holdQueue(): MockInstance<Queue["send"]> {
	// Nothing reads the answer of a send; an empty one stands in.
	return vi.spyOn(env.TASK_QUEUE, "send").mockResolvedValue({} as QueueSendResponse);
}

/**
 * Keeps the dispatcher from granting turns: every offer is answered "waiting" without reaching
 * the NamespaceObject, so a builtin attempt (which starts in the commit of its grant, with no
 * queue between) stays PENDING until the test grants it (`runAttempt`).
 */
export function holdTurns() {
	const waiting = { reason: "paused", since: new Date().toISOString() } as const;
	return spyOnDispatcher("offer").mockResolvedValue({ granted: false, waiting });
}

/** Delivers `bodies` to the Worker's queue handler as one batch; resolves once it has returned. */
export async function deliverMessages(bodies: unknown[]) {
	const messages = bodies.map((body, i) => ({ id: `msg-${crypto.randomUUID()}-${i}`, timestamp: new Date(), attempts: 1, body }));
	const batch = createMessageBatch("tasks", messages);
	const ctx = createExecutionContext();
	// The handler takes no ExecutionContext; getQueueResult still wants one to wait on.
	await worker.queue(batch, env);
	return { ids: messages.map((m) => m.id), result: await getQueueResult(batch, ctx) };
}

/**
 * Runs the task's current attempt to its end from the test, as the dispatcher, the queue and
 * the object's alarm would: its turn is granted if it still waits (a builtin attempt then starts
 * in that commit and its object runs it from its alarm), a queued (http) attempt's message is
 * delivered here, and it resolves once that attempt has ended. With `holdQueue()`, the runtime's
 * consumer races nothing.
 */
export async function runAttempt(taskId: string): Promise<Task> {
	const stub = taskStub(taskId);
	const { attempt, status } = (await readTask(stub)) as Task;
	if (status === "PENDING") {
		await stub.grant(attempt);
	}
	if (((await readTask(stub)) as Task).status === "QUEUED") {
		await deliverMessages([{ task_id: taskId, tenant: TENANT, attempt }]);
	}
	const live = ["PENDING", "QUEUED", "PROCESSING"];
	const ended = await waitForTask(taskId, (t) => t.attempt !== attempt || !live.includes(t.status), 10_000);
	// The run's alarm invocation may still be flushing the end; the object arms its next alarm
	// when it returns, so a test that fires alarms next waits for that.
	await runEnded(taskId, 10_000);
	return ended;
}

/**
 * Waits for a started builtin attempt to end. The object armed its alarm for now when the
 * attempt started and the runtime fires it; firing it from here as well could run it early for
 * a later deadline (runDurableObjectAlarm fires whatever is armed), so the test only waits.
 */
export async function finishBuiltinRun(taskId: string, timeout = 10_000): Promise<Task> {
	const { attempt } = (await readTask(taskStub(taskId))) as Task;
	const ended = await waitForTask(taskId, (t) => t.status !== "PROCESSING" || t.attempt !== attempt, timeout);
	await runEnded(taskId, timeout);
	return ended;
}

/** Waits until no builtin run holds the object's alarm invocation (it arms the next alarm as it returns). */
async function runEnded(taskId: string, timeout: number): Promise<void> {
	await vi.waitFor(async () => expect(await runningAttempt(taskId)).toBeNull(), { timeout, interval: 20 });
}

/** The builtin attempt the object is running from its alarm right now, or null. */
export function runningAttempt(taskId: string): Promise<number | null> {
	return runInDurableObject(taskStub(taskId), (instance) => {
		// The run is the object's private state (its BuiltinRunner's); only tests look at it from outside.
		const run = (instance as unknown as { runner: { running: { attempt: number } | null } }).runner.running;
		return run?.attempt ?? null;
	});
}

/**
 * Creates a pull task and claims its first attempt from the test, as a worker that then goes
 * silent would; the answer carries the attempt's token. Pull tasks get no queue turn, so no
 * delivery of the runtime's can take the attempt first.
 */
export async function createClaimedTask(body: Record<string, unknown>): Promise<Task & { token: string }> {
	const task = await createTask({ execution: "pull", ...body });
	const stub = taskStub(task.task_id);
	const claim = (await stub.claimAttempt(1, { runner: "test-worker" })) as LeaseAnswer;
	if (!claim.ok) {
		throw new Error(`claim refused: ${claim.reason}`);
	}
	return { ...((await readTask(stub)) as Task), token: claim.lease.token };
}

/**
 * Makes the task's coalesced history write due until D1 holds the version the object holds
 * (intermediate states otherwise reach D1 a few seconds after their commit): by firing its
 * alarm or, while a builtin run holds the alarm invocation (nothing else is armed then), by
 * flushing its outbox as of the end of the delay, as the run's next tick would.
 */
export async function flushHistory(taskId: string): Promise<Task> {
	const stub = taskStub(taskId);
	const written = async (t: Task | null) => !!t && (await historyRow(taskId))?.version === t.version;
	if ((await runningAttempt(taskId)) !== null) {
		await runInDurableObject(stub, (instance) =>
			// The outbox's flush is the object's private business; only tests reach in.
			(instance as unknown as { flush(asOf: number): Promise<void> }).flush(Date.now() + HISTORY_DELAY_MS),
		);
		await vi.waitFor(async () => expect(await written(await readTask(stub))).toBe(true), { timeout: 5_000, interval: 20 });
		return (await readTask(stub)) as Task;
	}
	return (await fireAlarmsUntil(stub, written, 5)) as Task;
}

/** The task as its object holds it (RPC through runInDurableObject keeps the Task type intact). */
export function readTask(stub: DurableObjectStub<TaskObject>): Promise<Task | null> {
	return runInDurableObject(stub, (instance) => instance.get());
}

export function taskStub(taskId: string): DurableObjectStub<TaskObject> {
	return env.TASKS.get(env.TASKS.idFromName(`${TENANT}:${taskId}`));
}

/**
 * Fires the object's alarm until `done` holds. Each firing applies the earliest armed deadline
 * (the object treats its armed deadline as due), so a chain of deadlines takes several firings.
 */
export async function fireAlarmsUntil(
	stub: DurableObjectStub<TaskObject>,
	done: (task: Task | null) => boolean | Promise<boolean>,
	maxFirings = 10,
): Promise<Task | null> {
	for (let firing = 0; firing < maxFirings; firing++) {
		const task = await readTask(stub);
		if (await done(task)) {
			return task;
		}
		if (!(await runDurableObjectAlarm(stub))) {
			throw new Error(`no alarm armed while waiting (task is ${task?.status ?? "gone"})`);
		}
	}
	const task = await readTask(stub);
	expect(await done(task), `still ${task?.status} after ${maxFirings} alarms`).toBe(true);
	return task;
}

/** The alarm time the object has armed, read from its own storage. */
export function armedAlarm(stub: DurableObjectStub<TaskObject>): Promise<number | null> {
	return runInDurableObject(stub, (_instance, state) => state.storage.getAlarm());
}

export interface HistoryRow {
	task_id: string;
	tenant_id: string;
	status: string;
	attempt: number;
	retry_count: number;
	error_code: string | null;
	version: number;
	snapshot: string;
}

export function historyRow(taskId: string): Promise<HistoryRow | null> {
	return env.DB.prepare("SELECT * FROM tasks WHERE task_id = ?").bind(taskId).first<HistoryRow>();
}

export async function expectProblem(res: Response, status: number, code: string): Promise<Problem> {
	expect(res.status).toBe(status);
	expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
	const body = await res.json<Problem>();
	expect(body).toMatchObject({ status, code });
	expect(body.title).toEqual(expect.any(String));
	expect(body.detail).toEqual(expect.any(String));
	return body;
}
