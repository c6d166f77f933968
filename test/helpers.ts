/** Shared test helpers: drive the Worker over HTTP and its objects by firing their alarms. */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { expect, vi } from "vitest";
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
export async function waitForTask(taskId: string, check: (task: Task) => boolean, timeout = 10_000): Promise<Task> {
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
 * Creates a task and claims its first attempt from the test, as a worker that then goes silent
 * would: the runtime's own delivery finds the attempt taken and runs nothing. That delivery
 * races this claim; a task it won is stopped and another is tried.
 */
export async function createClaimedTask(body: Record<string, unknown>): Promise<Task> {
	for (let tries = 0; tries < 5; tries++) {
		const task = await createTask(body);
		const stub = taskStub(task.task_id);
		if (await stub.start(1)) {
			return (await readTask(stub)) as Task;
		}
		await postJson(`/v1/tasks/${task.task_id}/cancel`, { mode: "hard" });
	}
	throw new Error("the queue consumer claimed every attempt before the test could");
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
