import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Message } from "../src/history/messages";
import { newTaskId } from "../src/task/ids";
import type { TaskQueueMessage } from "../src/task/outbox";
import type { Task } from "../src/task/task";
import {
	api,
	createTask,
	deliverMessages as deliver,
	holdQueue,
	postJson,
	readTask,
	TENANT,
	taskEvents,
	taskStub,
	waitForTask,
} from "./helpers";

afterEach(() => {
	vi.restoreAllMocks();
});

const messageFor = (taskId: string, attempt: number): TaskQueueMessage => ({ task_id: taskId, tenant: TENANT, attempt });

/** A QUEUED task whose message only the test delivers. */
async function queuedTask(body: Record<string, unknown>): Promise<Task> {
	holdQueue();
	const task = await createTask(body);
	expect(await taskStub(task.task_id).grant(1)).toBe(true);
	return task;
}

async function messagesOf(taskId: string): Promise<Message[]> {
	const res = await api("/v1/messages?limit=100");
	expect(res.status).toBe(200);
	return (await res.json<{ messages: Message[] }>()).messages.filter((m) => m.task_id === taskId);
}

describe("queue consumer", () => {
	it("runs the handler once for a duplicate delivery of the same attempt", async () => {
		const content = `hello ${crypto.randomUUID()}`;
		const task = await queuedTask({ task_name: "messages.create", payload: { content } });
		const held = vi.mocked(env.TASK_QUEUE.send);
		// The message the object sent, and a copy of it in the same batch.
		await vi.waitFor(() => expect(held).toHaveBeenCalledTimes(1));
		const sent = held.mock.calls[0]?.[0];
		expect(sent).toEqual(messageFor(task.task_id, 1));
		const { ids, result } = await deliver([sent, sent]);
		expect(result.ackAll).toBe(false);
		expect(result.retryMessages).toEqual([]);
		expect([...result.explicitAcks].sort()).toEqual([...ids].sort());

		const done = (await readTask(taskStub(task.task_id))) as Task;
		expect(done.status).toBe("COMPLETED");
		const rows = await messagesOf(task.task_id);
		expect(rows).toHaveLength(1);
		expect(rows[0]?.content).toBe(content);
		expect(done.result).toEqual(rows[0]);
		expect((await taskEvents(task.task_id)).filter((e) => e.type === "started")).toHaveLength(1);
	});

	it("runs nothing for a stale attempt", async () => {
		const task = await queuedTask({ task_name: "messages.create", payload: { content: "once" } });
		await deliver([messageFor(task.task_id, 1)]);
		const done = (await readTask(taskStub(task.task_id))) as Task;
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

	it("fails an unknown task_name at once with UNKNOWN_TASK, no retry", async () => {
		const task = await queuedTask({ task_name: "nobody.handles_this" });
		const { result } = await deliver([messageFor(task.task_id, 1)]);
		expect(result.explicitAcks).toHaveLength(1);
		const failed = (await readTask(taskStub(task.task_id))) as Task;
		expect(failed).toMatchObject({ error_code: "UNKNOWN_TASK", retry_count: 0, attempt: 1 });
		expect(failed.error_message).toMatch(/nobody\.handles_this/);
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

	it("a hard cancel fences the running handler's reports and aborts its signal", { timeout: 15_000 }, async () => {
		const task = await queuedTask({ task_name: "demo.sleep", payload: { duration_seconds: 30 } });
		// Ours is the only delivery: the runtime's consumer never sees the held message.
		const run = deliver([messageFor(task.task_id, 1)]);
		await waitForTask(task.task_id, (t) => t.status === "PROCESSING" && t.progress !== null, 5_000);
		const res = await postJson(`/v1/tasks/${task.task_id}/cancel`, { mode: "hard" });
		const canceled = await res.json<{ status: string; version: number }>();
		expect(canceled.status).toBe("CANCELED");
		// Without the abort, the handler would sleep on for ~29 s and this would time out.
		const { result } = await run;
		expect(result.explicitAcks).toHaveLength(1);
		const stub = taskStub(task.task_id);
		expect(await readTask(stub)).toMatchObject({ status: "CANCELED", version: canceled.version });
		const late = await stub.progress(1, { percent: 99, done: null, total: null, message: null });
		expect(late).toMatchObject({ ok: false, code: "CONFLICT" });
	});
});
