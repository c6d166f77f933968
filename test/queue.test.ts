import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { handlerFor } from "../src/execute/handlers";
import type { Message } from "../src/history/messages";
import { newTaskId } from "../src/task/ids";
import type { TaskQueueMessage } from "../src/task/outbox";
import type { Task } from "../src/task/task";
import {
	api,
	createTask,
	deliverMessages as deliver,
	finishBuiltinRun,
	holdQueue,
	holdTurns,
	postJson,
	readTask,
	runningAttempt,
	TENANT,
	taskEvents,
	taskStub,
	waitForTask,
} from "./helpers";

afterEach(() => {
	vi.restoreAllMocks();
});

const messageFor = (taskId: string, attempt: number): TaskQueueMessage => ({ task_id: taskId, tenant: TENANT, attempt });

/**
 * A builtin task granted its turn by the test: the grant starts the attempt in the same commit
 * (PROCESSING, no queue message) and the object runs the handler from its alarm.
 */
async function grantedTask(body: Record<string, unknown>): Promise<Task> {
	const send = holdQueue();
	holdTurns();
	const task = await createTask(body);
	expect(await taskStub(task.task_id).grant(1)).toBe(true);
	expect(send).not.toHaveBeenCalled();
	return task;
}

async function messagesOf(taskId: string): Promise<Message[]> {
	const res = await api("/v1/messages?limit=100");
	expect(res.status).toBe(200);
	return (await res.json<{ messages: Message[] }>()).messages.filter((m) => m.task_id === taskId);
}

describe("queue consumer", () => {
	it("runs a builtin attempt once from its grant; messages naming it (an older build's, duplicated) run nothing", async () => {
		const content = `hello ${crypto.randomUUID()}`;
		const task = await grantedTask({ task_name: "messages.create", payload: { content } });
		const sent = messageFor(task.task_id, 1);
		const { ids, result } = await deliver([sent, sent]);
		expect(result.ackAll).toBe(false);
		expect(result.retryMessages).toEqual([]);
		expect([...result.explicitAcks].sort()).toEqual([...ids].sort());

		const done = await finishBuiltinRun(task.task_id);
		expect(done.status).toBe("COMPLETED");
		const rows = await messagesOf(task.task_id);
		expect(rows).toHaveLength(1);
		expect(rows[0]?.content).toBe(content);
		expect(done.result).toEqual(rows[0]);
		expect((await taskEvents(task.task_id)).filter((e) => e.type === "started")).toHaveLength(1);
	});

	it("runs nothing for a stale attempt", async () => {
		const task = await grantedTask({ task_name: "messages.create", payload: { content: "once" } });
		const done = await finishBuiltinRun(task.task_id);
		expect(done.status).toBe("COMPLETED");
		const { ids, result } = await deliver([messageFor(task.task_id, 1), messageFor(task.task_id, 2)]);
		expect([...result.explicitAcks].sort()).toEqual([...ids].sort());
		expect(await messagesOf(task.task_id)).toHaveLength(1);
		expect(await readTask(taskStub(task.task_id))).toEqual(done);
	});

	it("runs nothing for a task that is not queued yet", async () => {
		const task = await createTask({ task_name: "messages.create", payload: { content: "later" }, delay_seconds: 3600 });
		const { result } = await deliver([messageFor(task.task_id, 1)]);
		expect(result.explicitAcks).toHaveLength(1);
		expect(await readTask(taskStub(task.task_id))).toMatchObject({ status: "SCHEDULED", version: task.version });
		expect(await messagesOf(task.task_id)).toEqual([]);
	});

	it("an unknown task_name waits for a worker (pull) instead of failing, and is never queued", async () => {
		const task = await createTask({ task_name: "nobody.handles_this" });
		expect(task).toMatchObject({ status: "PENDING", execution: "pull" });
		expect(await taskStub(task.task_id).grant(1)).toBe(false);
		const { result } = await deliver([messageFor(task.task_id, 1)]);
		expect(result.explicitAcks).toHaveLength(1);
		expect(await readTask(taskStub(task.task_id))).toMatchObject({ status: "PENDING", version: task.version });
	});

	it("runs nothing for a task that does not exist", async () => {
		const taskId = newTaskId();
		const { result } = await deliver([messageFor(taskId, 1)]);
		expect(result.explicitAcks).toHaveLength(1);
		expect(await readTask(taskStub(taskId))).toBeNull();
		expect((await api(`/v1/tasks/${taskId}`)).status).toBe(404);
	});

	it("acks a malformed message instead of redelivering it forever", async () => {
		const { ids, result } = await deliver([{ hello: "world" }, "not even an object"]);
		expect([...result.explicitAcks].sort()).toEqual([...ids].sort());
	});

	it("a grant returns at once: the object runs the builtin handler from its alarm", { timeout: 15_000 }, async () => {
		// The grant returns while the 30 s handler has not even begun.
		const task = await grantedTask({ task_name: "demo.sleep", payload: { duration_seconds: 30 } });
		expect(await readTask(taskStub(task.task_id))).toMatchObject({ status: "PROCESSING", progress: null });
		await waitForTask(task.task_id, (t) => t.progress !== null, 5_000);
		await postJson(`/v1/tasks/${task.task_id}/cancel`, { mode: "hard" });
	});

	it("a hard cancel aborts the running handler's signal at once and fences its late reports", { timeout: 15_000 }, async () => {
		const task = await grantedTask({ task_name: "demo.sleep", payload: { duration_seconds: 30 } });
		const run = finishBuiltinRun(task.task_id, 14_000);
		await waitForTask(task.task_id, (t) => t.status === "PROCESSING" && t.progress !== null, 5_000);
		expect(await runningAttempt(task.task_id)).toBe(1);
		const res = await postJson(`/v1/tasks/${task.task_id}/cancel`, { mode: "hard" });
		const canceled = await res.json<{ status: string; version: number }>();
		expect(canceled.status).toBe("CANCELED");
		await run;
		// Without the abort, the handler would sleep on for ~29 s and this would time out.
		await vi.waitFor(async () => expect(await runningAttempt(task.task_id)).toBeNull(), { timeout: 3_000, interval: 50 });
		// The handler's last word (its fail on the abort) was refused: nothing moved after the cancel.
		expect(await readTask(taskStub(task.task_id))).toMatchObject({ status: "CANCELED", version: canceled.version });
	});

	it("messages.create run twice for one task (a re-run after a crash) inserts one row and answers it both times", async () => {
		const task_id = newTaskId();
		const handler = handlerFor("messages.create");
		const run = (content: string) =>
			handler?.({
				task_id,
				tenant: TENANT,
				attempt: 1,
				payload: { content },
				signal: new AbortController().signal,
				env,
				progress: async () => {},
				log: async () => {},
			});
		const first = await run("once");
		const again = await run("once");
		expect(again).toEqual(first);
		expect(await messagesOf(task_id)).toHaveLength(1);
	});
});
