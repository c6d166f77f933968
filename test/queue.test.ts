import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Message } from "../src/history/messages";
import worker from "../src/index";
import { newTaskId } from "../src/task/ids";
import type { TaskQueueMessage } from "../src/task/outbox";
import { api, createTask, postJson, readTask, TENANT, taskEvents, taskStub, waitForStatus, waitForTask } from "./helpers";

/** Delivers `bodies` to the Worker's queue handler as one batch; resolves once it has returned. */
async function deliver(bodies: unknown[]) {
	const messages = bodies.map((body, i) => ({ id: `msg-${crypto.randomUUID()}-${i}`, timestamp: new Date(), attempts: 1, body }));
	const batch = createMessageBatch("tasks", messages);
	const ctx = createExecutionContext();
	// The handler takes no ExecutionContext; getQueueResult still wants one to wait on.
	await worker.queue(batch, env);
	return { ids: messages.map((m) => m.id), result: await getQueueResult(batch, ctx) };
}

const messageFor = (taskId: string, attempt: number): TaskQueueMessage => ({ task_id: taskId, tenant: TENANT, attempt });

async function messagesOf(taskId: string): Promise<Message[]> {
	const res = await api("/v1/messages?limit=100");
	expect(res.status).toBe(200);
	return (await res.json<{ messages: Message[] }>()).messages.filter((m) => m.task_id === taskId);
}

describe("queue consumer", () => {
	it("runs the handler once for a duplicate delivery of the same attempt", async () => {
		const content = `hello ${crypto.randomUUID()}`;
		const task = await createTask({ task_name: "messages.create", payload: { content } });
		// Two copies of the attempt's message, on top of the one the object sent itself.
		const { ids, result } = await deliver([messageFor(task.task_id, 1), messageFor(task.task_id, 1)]);
		expect(result.ackAll).toBe(false);
		expect(result.retryMessages).toEqual([]);
		expect([...result.explicitAcks].sort()).toEqual([...ids].sort());

		const done = await waitForStatus(task.task_id, "COMPLETED");
		const rows = await messagesOf(task.task_id);
		expect(rows).toHaveLength(1);
		expect(rows[0]?.content).toBe(content);
		expect(done.result).toEqual(rows[0]);
		expect((await taskEvents(task.task_id)).filter((e) => e.type === "started")).toHaveLength(1);
	});

	it("runs nothing for a stale attempt", async () => {
		const task = await createTask({ task_name: "messages.create", payload: { content: "once" } });
		const done = await waitForStatus(task.task_id, "COMPLETED");
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
		const task = await createTask({ task_name: "nobody.handles_this" });
		const { result } = await deliver([messageFor(task.task_id, 1)]);
		expect(result.explicitAcks).toHaveLength(1);
		const failed = await waitForStatus(task.task_id, "FAILED");
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
		// Our delivery and the runtime's own race for the attempt; only a run where ours won
		// shows the handler stopping, since our queue() call returns only when it has.
		for (let tries = 0; tries < 5; tries++) {
			const task = await createTask({ task_name: "demo.sleep", payload: { duration_seconds: 30 } });
			let returned = false;
			const run = deliver([messageFor(task.task_id, 1)]).finally(() => {
				returned = true;
			});
			await waitForTask(task.task_id, (t) => t.status === "PROCESSING" && t.progress !== null);
			if (returned) {
				await postJson(`/v1/tasks/${task.task_id}/cancel`, { mode: "hard" });
				continue;
			}
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
			return;
		}
		throw new Error("the runtime's own delivery claimed the attempt every time");
	});
});
