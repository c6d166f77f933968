/**
 * A user following the README against `wrangler dev`: create a task and watch it move, cancel a
 * running one, retry a failed one, insert a message, read the docs. Everything over HTTP.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, inject, it, vi } from "vitest";

const base = inject("baseUrl");

interface Task {
	task_id: string;
	status: string;
	attempt: number;
	retry_count: number;
	error_code: string | null;
	cancel_requested: boolean;
	result: unknown;
	started_at: string | null;
}
interface TaskEvent {
	type: string;
	from_status: string | null;
	to_status: string | null;
}

async function call<T>(method: string, path: string, body?: unknown): Promise<{ status: number; headers: Headers; body: T }> {
	const response = await fetch(`${base}${path}`, {
		method,
		headers: body === undefined ? {} : { "content-type": "application/json" },
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	const text = await response.text();
	return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : null) as T };
}

async function create(task_name: string, payload: unknown): Promise<Task> {
	const created = await call<Task>("POST", "/v1/tasks", { task_name, payload });
	expect(created.status).toBe(202);
	expect(created.headers.get("location")).toBe(`/v1/tasks/${created.body.task_id}`);
	return created.body;
}

/** Polls the task (as the README's curl loop would) until `done` holds. */
async function waitFor(taskId: string, done: (task: Task) => boolean, timeout = 20_000): Promise<Task> {
	return vi.waitFor(
		async () => {
			const { body } = await call<Task>("GET", `/v1/tasks/${taskId}`);
			if (!done(body)) {
				throw new Error(`task ${taskId} is ${body.status} (attempt ${body.attempt})`);
			}
			return body;
		},
		{ timeout, interval: 100 },
	);
}

async function events(taskId: string): Promise<TaskEvent[]> {
	const { status, body } = await call<{ events: TaskEvent[] }>("GET", `/v1/tasks/${taskId}/events`);
	expect(status).toBe(200);
	return body.events;
}

describe("the README flow against wrangler dev", () => {
	it("runs a demo.sleep task through PENDING and PROCESSING to COMPLETED", async () => {
		const task = await create("demo.sleep", { duration_seconds: 1 });
		expect(task.status).toBe("PENDING");
		const done = await waitFor(task.task_id, (t) => t.status === "COMPLETED");
		expect(done).toMatchObject({ attempt: 1, retry_count: 0 });
		const moves = (await events(task.task_id)).filter((e) => e.type !== "log").map((e) => e.to_status);
		// A built-in attempt starts with its turn: it is never QUEUED.
		expect(moves).toEqual(["PENDING", "PROCESSING", "COMPLETED"]);
	});

	it("soft-cancels a running task: it stops at its next report and ends CANCELED", async () => {
		const task = await create("demo.sleep", { duration_seconds: 30 });
		await waitFor(task.task_id, (t) => t.status === "PROCESSING");
		const canceled = await call<Task>("POST", `/v1/tasks/${task.task_id}/cancel`, { mode: "soft" });
		expect(canceled.status).toBe(200);
		expect(canceled.body.cancel_requested).toBe(true);
		const stopped = await waitFor(task.task_id, (t) => t.status === "CANCELED");
		expect(stopped.attempt).toBe(1);
		expect((await events(task.task_id)).at(-1)).toMatchObject({ from_status: "PROCESSING", to_status: "CANCELED" });
	});

	it("fails a non-retryable demo.fail at once, and a manual retry runs it again as attempt 2", async () => {
		const payload = { code: "BAD_INPUT", message: "row 7 is malformed", retryable: false };
		const task = await create("demo.fail", payload);
		const failed = await waitFor(task.task_id, (t) => t.status === "FAILED");
		expect(failed).toMatchObject({ attempt: 1, error_code: "BAD_INPUT" });

		const retried = await call<Task>("POST", `/v1/tasks/${task.task_id}/retry`);
		expect(retried.status).toBe(200);
		expect(retried.body.attempt).toBe(2);
		const again = await waitFor(task.task_id, (t) => t.attempt === 2 && t.status === "FAILED");
		expect(again.error_code).toBe("BAD_INPUT");
		expect((await events(task.task_id)).filter((e) => e.type === "started")).toHaveLength(2);
	});

	it("inserts a message with messages.create and lists it at GET /v1/messages", async () => {
		const content = `hello from e2e ${randomUUID()}`;
		const task = await create("messages.create", { content });
		await waitFor(task.task_id, (t) => t.status === "COMPLETED");
		const { status, body } = await call<{ messages: { content: string; task_id: string | null }[] }>("GET", "/v1/messages");
		expect(status).toBe(200);
		expect(body.messages).toContainEqual(expect.objectContaining({ content, task_id: task.task_id }));
	});

	it("serves interactive docs and an OpenAPI 3.1 document", async () => {
		const docs = await fetch(`${base}/docs`);
		expect(docs.status).toBe(200);
		expect(docs.headers.get("content-type")).toMatch(/^text\/html/);
		expect(await docs.text()).toMatch(/<html/i);
		const spec = await call<{ openapi: string; paths: Record<string, unknown> }>("GET", "/openapi.json");
		expect(spec.status).toBe(200);
		expect(spec.body.openapi).toMatch(/^3\.1\./);
		expect(Object.keys(spec.body.paths)).toContain("/v1/tasks");
	});

	it("runs an urgent task before bulk ones under a limit of one, and holds new tasks while paused", async () => {
		const ns = `reports-${randomUUID().slice(0, 8)}`;
		expect((await call("PUT", `/v1/namespaces/${ns}`, { max_concurrency: 1 })).status).toBe(200);
		const make = async (priority: number) => {
			const res = await call<Task>("POST", "/v1/tasks", {
				task_name: "demo.sleep",
				namespace: ns,
				priority,
				payload: { duration_seconds: 2 },
			});
			expect(res.status).toBe(202);
			return res.body;
		};
		const bulk = [await make(0), await make(0), await make(0)];
		const urgent = await make(9);
		const started = async (t: Task) => Date.parse((await waitFor(t.task_id, (x) => x.status === "COMPLETED")).started_at ?? "");
		const [first, second, third] = [await started(bulk[0] as Task), await started(bulk[1] as Task), await started(bulk[2] as Task)];
		const urgentAt = await started(urgent);
		expect(urgentAt).toBeGreaterThan(first);
		expect(urgentAt).toBeLessThan(Math.min(second, third));

		expect((await call("POST", `/v1/namespaces/${ns}/pause`)).body).toMatchObject({ paused: true });
		const held = await make(0);
		const waiting = await waitFor(held.task_id, (t) => (t as Task & { waiting?: { reason: string } }).waiting?.reason === "paused");
		expect(waiting.status).toBe("PENDING");
		expect((await call("POST", `/v1/namespaces/${ns}/resume`)).body).toMatchObject({ paused: false });
		await waitFor(held.task_id, (t) => t.status === "COMPLETED");
		// Four 2 s tasks one after another, six waits of at most 20 s each: the test's own bound is above their sum.
	}, 150_000);
});
