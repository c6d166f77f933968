/**
 * Dispatch end to end through the API: tasks offer themselves to their namespace's dispatcher,
 * wait in priority order under its limit, say why on GET, and each end grants the next. The
 * tasks are pushed (http), so a granted attempt waits QUEUED: the queue is held and the test
 * delivers each one itself to a target that answers at once.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, expect, it, vi } from "vitest";
import { namespaceStub } from "../src/dispatch";
import type { Task } from "../src/task/task";
import { api, createTask, deliverMessages, holdQueue, readTask, TENANT, taskStub } from "./helpers";

vi.setConfig({ testTimeout: 60_000 });
afterEach(() => vi.restoreAllMocks());

const put = (ns: string, body: unknown) =>
	api(`/v1/namespaces/${ns}`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

function runningTaskIds(ns: string): Promise<string[]> {
	return runInDurableObject(namespaceStub(env, TENANT, ns), (_i, state) =>
		state.storage.sql
			.exec<{ task_id: string }>("SELECT task_id FROM running")
			.toArray()
			.map((r) => r.task_id),
	);
}

async function getView(taskId: string) {
	const res = await api(`/v1/tasks/${taskId}`);
	expect(res.status).toBe(200);
	return res.json<Task & { waiting?: { reason: string; position?: number; since: string } }>();
}

it("runs 5 urgent tasks before 20 bulk ones created earlier, one at a time, and says why each waits", async () => {
	holdQueue();
	vi.spyOn(globalThis, "fetch").mockImplementation(async () => Response.json({ done: true }));
	const ns = `flow-${crypto.randomUUID().slice(0, 8)}`;
	expect((await put(ns, { max_concurrency: 1, paused: true })).status).toBe(200);
	const body = { task_name: "render.frame", namespace: ns, payload: {}, target: { url: "http://push-target.test/run" } };
	const bulk: Task[] = [];
	for (let i = 0; i < 20; i++) {
		bulk.push(await createTask({ ...body, priority: 0 }));
	}
	const urgent: Task[] = [];
	for (let i = 0; i < 5; i++) {
		urgent.push(await createTask({ ...body, priority: 9 }));
	}
	// Creation answers before the offer lands; once it has, the task knows why it waits.
	const last = bulk.at(-1) as Task;
	await vi.waitFor(async () => expect((await getView(last.task_id)).waiting).toMatchObject({ reason: "paused", position: 25 }));
	expect((await getView((urgent[0] as Task).task_id)).waiting).toMatchObject({ reason: "paused", position: 1 });

	expect((await api(`/v1/namespaces/${ns}/resume`, { method: "POST" })).status).toBe(200);
	expect((await getView(last.task_id)).waiting).toMatchObject({ reason: "concurrency", position: 24 });
	const order: string[] = [];
	const running: number[] = [];
	for (let i = 0; i < 25; i++) {
		const ids = await runningTaskIds(ns);
		running.push(ids.length);
		const id = ids[0] as string;
		order.push(id);
		const task = (await readTask(taskStub(id))) as Task;
		expect(task.status).toBe("QUEUED");
		await deliverMessages([{ task_id: id, tenant: TENANT, attempt: task.attempt }]);
		// The consumer pushes the attempt; the target's 200 completes it.
		expect((await readTask(taskStub(id)))?.status).toBe("COMPLETED");
		// Its release reaches the dispatcher from the object's outbox, just after the run ends.
		await vi.waitFor(async () => expect(await runningTaskIds(ns)).not.toContain(id), { timeout: 10_000, interval: 20 });
	}
	expect(order).toEqual([...urgent, ...bulk].map((t) => t.task_id));
	expect(running.every((n) => n === 1)).toBe(true);
	const status = await (await api(`/v1/namespaces/${ns}`)).json();
	expect(status).toMatchObject({ ready: 0, running: 0, max_concurrency: 1 });
});

it("lists a namespace once a task has used it", async () => {
	holdQueue();
	const ns = `used-${crypto.randomUUID().slice(0, 8)}`;
	const task = await createTask({ task_name: "demo.sleep", namespace: ns });
	await vi.waitFor(async () => expect(await runningTaskIds(ns)).toEqual([task.task_id]));
	await vi.waitFor(async () => {
		const list = await (await api(`/v1/namespaces?after=${ns.slice(0, 4)}`)).json<{
			namespaces: { namespace: string; running: number }[];
		}>();
		expect(list.namespaces).toContainEqual(expect.objectContaining({ namespace: ns, running: 1 }));
	});
});
