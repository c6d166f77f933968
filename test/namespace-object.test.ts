/**
 * The NamespaceObject as a dispatcher, driven through its RPC the way tasks drive it. The tasks
 * are real (created, their first attempt claimed by the test, so no queue work runs) and live in
 * namespace `default`; the offers go to a namespace of the test's own, which their own outboxes
 * never address — so the test alone decides when a slot is released, or that a release is lost.
 * Time is the object's alarm: firing it counts as the moment it was armed for.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { namespaceStub } from "../src/dispatch";
import { RECONCILE_AFTER_MS } from "../src/dispatch/namespace-object";
import type { Offer } from "../src/dispatch/protocol";
import type { Task } from "../src/task/task";
import { createClaimedTask, historyRow, postJson, readTask, TENANT, taskStub } from "./helpers";

// Creating and claiming a few dozen real tasks, and releases that wait for their group commit,
// take longer than vitest's default 5 s.
vi.setConfig({ testTimeout: 60_000 });

let nsCounter = 0;
function freshNamespace() {
	const name = `ns-test-${++nsCounter}-${crypto.randomUUID().slice(0, 8)}`;
	return { name, stub: namespaceStub(env, TENANT, name) };
}

function offerOf(task: Task, namespace: string, priority = task.priority): Offer {
	return {
		tenant: TENANT,
		task_id: task.task_id,
		namespace,
		task_type: task.task_type,
		task_name: task.task_name,
		priority,
		attempt: task.attempt,
		created_at: Date.parse(task.created_at),
		snapshot: { tenant: TENANT, task },
	};
}

async function claimedTasks(n: number, body: Record<string, unknown> = { task_name: "demo.sleep" }): Promise<Task[]> {
	const tasks: Task[] = [];
	for (let i = 0; i < n; i++) {
		tasks.push(await createClaimedTask(body));
	}
	return tasks;
}

type NsStub = ReturnType<typeof namespaceStub>;

/** The slots held, oldest grant first, as the object stores them. */
function slots(stub: NsStub): Promise<{ task_id: string; granted_at: number }[]> {
	return runInDurableObject(stub, (_instance, state) =>
		state.storage.sql
			.exec<{ task_id: string; granted_at: number }>("SELECT task_id, granted_at FROM running ORDER BY granted_at")
			.toArray(),
	);
}

async function release(stub: NsStub, task: Task): Promise<void> {
	await stub.release({ tenant: TENANT, task_id: task.task_id, attempt: task.attempt, snapshot: { tenant: TENANT, task } });
}

describe("priority under a concurrency limit", () => {
	it("grants 5 urgent tasks before the 20 bulk ones that were waiting before them, one at a time", async () => {
		const { name, stub } = freshNamespace();
		await stub.configure(TENANT, name, { max_concurrency: 1 });
		const [holder, ...rest] = await claimedTasks(26);
		const bulk = rest.slice(0, 20);
		const urgent = rest.slice(20);
		expect(await stub.offer(offerOf(holder as Task, name))).toEqual({ granted: true, recorded: false });
		for (const [i, task] of bulk.entries()) {
			const answer = await stub.offer(offerOf(task, name, 0));
			expect(answer).toMatchObject({ granted: false, waiting: { reason: "concurrency" } });
			expect(await stub.waiting(task.task_id)).toMatchObject({ reason: "concurrency", position: i + 1 });
		}
		for (const [i, task] of urgent.entries()) {
			const answer = await stub.offer(offerOf(task, name, 9));
			expect(answer).toMatchObject({ granted: false });
			// Urgent tasks queue ahead of every bulk one, among themselves in creation order.
			expect(await stub.waiting(task.task_id)).toMatchObject({ position: i + 1 });
		}
		const order: string[] = [];
		let current = holder as Task;
		for (let i = 0; i < 25; i++) {
			await release(stub, current);
			const running = await slots(stub);
			expect(running.length).toBe(1);
			const next = rest.find((t) => t.task_id === running[0]?.task_id) as Task;
			order.push(next.task_id);
			current = next;
		}
		expect(order).toEqual([...urgent, ...bulk].map((t) => t.task_id));
		expect(await stub.status(TENANT, name)).toMatchObject({ ready: 0, running: 1, max_concurrency: 1 });
	});

	it("never holds more slots than max_concurrency while offers and releases interleave", async () => {
		const { name, stub } = freshNamespace();
		await stub.configure(TENANT, name, { max_concurrency: 3 });
		const tasks = await claimedTasks(12);
		const samples: number[] = [];
		await Promise.all(tasks.map((task) => stub.offer(offerOf(task, name))));
		samples.push((await stub.status(TENANT, name)).running);
		for (const task of tasks) {
			await release(stub, task);
			samples.push((await stub.status(TENANT, name)).running);
		}
		expect(Math.max(...samples)).toBe(3);
		expect(samples.at(-1)).toBe(0);
		expect(samples.every((n) => n <= 3)).toBe(true);
	});
});

describe("per-type rate limits", () => {
	it("spaces the starts of a type limited to 2/s by its bucket, while other types go at once", async () => {
		const { name, stub } = freshNamespace();
		await stub.configure(TENANT, name, { rate_limits: { demo: { per_second: 2, burst: 1 } } });
		const limited = await claimedTasks(5);
		const [other] = await claimedTasks(1, { task_name: "etl.load" });
		const answers = [];
		for (const task of limited) {
			answers.push(await stub.offer(offerOf(task, name)));
		}
		expect(answers[0]).toEqual({ granted: true, recorded: false });
		for (const answer of answers.slice(1)) {
			expect(answer).toMatchObject({ granted: false, waiting: { reason: "rate_limit" } });
		}
		expect(await stub.offer(offerOf(other as Task, name))).toEqual({ granted: true, recorded: false });
		for (let firing = 0; firing < 30 && (await stub.status(TENANT, name)).ready > 0; firing++) {
			// The offers take real time (each answer waits for its group commit), so the alarm may
			// have fired by itself meanwhile: then none is armed at this instant, and we look again.
			if (!(await runDurableObjectAlarm(stub))) {
				await new Promise((resolve) => setTimeout(resolve, 100));
			}
		}
		const starts = (await slots(stub)).filter((s) => limited.some((t) => t.task_id === s.task_id)).map((s) => s.granted_at);
		expect(starts).toHaveLength(5);
		// A bucket of depth 1 refilled at 2/s: each start at least 500 ms after the one before.
		for (let i = 1; i < starts.length; i++) {
			expect((starts[i] as number) - (starts[i - 1] as number)).toBeGreaterThanOrEqual(500);
		}
	});
});

describe("pause and resume", () => {
	it("holds new grants while paused and grants them on resume", async () => {
		const { name, stub } = freshNamespace();
		await stub.configure(TENANT, name, { paused: true });
		const tasks = await claimedTasks(3);
		for (const task of tasks) {
			expect(await stub.offer(offerOf(task, name))).toMatchObject({ granted: false, waiting: { reason: "paused" } });
		}
		expect(await stub.waiting((tasks[0] as Task).task_id)).toMatchObject({ reason: "paused", position: 1 });
		expect(await stub.status(TENANT, name)).toMatchObject({ ready: 3, running: 0, paused: true });
		expect(await stub.configure(TENANT, name, { paused: false })).toMatchObject({ ready: 0, running: 3, paused: false });
	});
});

describe("reconciliation", () => {
	it("frees, from its alarm, the slot of a task that ended without its release arriving", async () => {
		const { name, stub } = freshNamespace();
		await stub.configure(TENANT, name, { max_concurrency: 1 });
		const [gone, next] = await claimedTasks(2);
		expect(await stub.offer(offerOf(gone as Task, name))).toEqual({ granted: true, recorded: false });
		expect(await stub.offer(offerOf(next as Task, name))).toMatchObject({ granted: false });
		// The task ends; its release goes to its own namespace, never to this one: lost.
		await postJson(`/v1/tasks/${(gone as Task).task_id}/cancel`, { mode: "hard" });
		expect((await readTask(taskStub((gone as Task).task_id)))?.status).toBe("CANCELED");
		const armed = await runInDurableObject(stub, (_i, state) => state.storage.getAlarm());
		expect(armed).toBeGreaterThanOrEqual(Date.now() + RECONCILE_AFTER_MS - 60_000);
		expect(await runDurableObjectAlarm(stub)).toBe(true);
		expect((await slots(stub)).map((s) => s.task_id)).toEqual([(next as Task).task_id]);
	});

	it("keeps the slot of a task that still holds its turn", async () => {
		const { name, stub } = freshNamespace();
		const [alive] = await claimedTasks(1);
		await stub.offer(offerOf(alive as Task, name));
		expect(await runDurableObjectAlarm(stub)).toBe(true);
		expect((await slots(stub)).map((s) => s.task_id)).toEqual([(alive as Task).task_id]);
	});
});

describe("cancel while waiting", () => {
	it("frees nothing twice: a repeated release changes nothing, and the limit still holds", async () => {
		const { name, stub } = freshNamespace();
		await stub.configure(TENANT, name, { max_concurrency: 1 });
		const [holder, waiter, later] = (await claimedTasks(3)) as [Task, Task, Task];
		await stub.offer(offerOf(holder, name));
		await stub.offer(offerOf(waiter, name));
		await release(stub, waiter);
		await release(stub, waiter);
		expect(await stub.status(TENANT, name)).toMatchObject({ ready: 0, running: 1 });
		await stub.offer(offerOf(later, name));
		await release(stub, holder);
		await release(stub, holder);
		expect((await slots(stub)).map((s) => s.task_id)).toEqual([later.task_id]);
		expect(await stub.waiting(waiter.task_id)).toMatchObject({ reason: "dispatching" });
	});
});

describe("history through the dispatcher", () => {
	it("D1 agrees with each task once its release has resolved", async () => {
		const { name, stub } = freshNamespace();
		const tasks = await claimedTasks(30);
		await Promise.all(tasks.map((task) => stub.offer(offerOf(task, name))));
		const finished = tasks.map((task) => ({ ...task, status: "COMPLETED" as const, version: task.version + 1, duration_seconds: 0.5 }));
		await Promise.all(finished.map((task) => release(stub, task)));
		for (const task of finished) {
			expect(await historyRow(task.task_id)).toMatchObject({ status: "COMPLETED", version: task.version });
		}
	});
});
