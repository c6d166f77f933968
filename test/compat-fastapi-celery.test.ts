/**
 * The FastAPI + Celery demo's documented flow (its TASKS_API.md): queue a message task, poll
 * GET /tasks/{id} until SUCCESS, see the message in GET /messages/; queue a slow task, watch it
 * in GET /tasks/ as ACTIVE, then gone once it has finished.
 */
import { exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { TAGS } from "../src/api/compat/shared";
import { call, createTask, documentedPaths, pollUntil } from "./compat-helpers";
import { flushHistory, holdTurns, runAttempt } from "./helpers";

interface DemoStatus {
	task_id: string;
	status: string;
	result: unknown;
}
interface LiveList {
	tasks: { task_id: string; status: string }[];
	total: number;
}

const status = (id: string) => call<DemoStatus>("GET", `/tasks/${id}`).then((r) => r.body);
const TERMINAL = ["SUCCESS", "FAILURE", "REVOKED"];

afterEach(() => {
	vi.restoreAllMocks();
});

describe("FastAPI + Celery demo", () => {
	it("POST /tasks/ queues a message; the client polls to SUCCESS and finds it in GET /messages/", async () => {
		const created = await call<DemoStatus & { message: string }>("POST", "/tasks/", { content: "Hello World" });
		expect(created.status).toBe(202);
		expect(created.body).toEqual({ task_id: expect.any(String), status: "PENDING", message: "Task enqueued successfully" });

		const done = await pollUntil(
			() => status(created.body.task_id),
			(s) => TERMINAL.includes(s.status),
		);
		expect(done).toMatchObject({ task_id: created.body.task_id, status: "SUCCESS", result: { content: "Hello World" } });
		expect(done.result).toMatchObject({ id: expect.any(Number), created_at: expect.any(String) });

		const messages = await call<{ messages: { content: string; task_id: string }[]; total: number }>("GET", "/messages/");
		expect(messages.status).toBe(200);
		expect(messages.body.messages).toContainEqual(expect.objectContaining({ content: "Hello World", task_id: created.body.task_id }));
		expect(messages.body.total).toBe(messages.body.messages.length);
		expect((await call("GET", "/messages")).status).toBe(200);
	});

	it("POST /tasks/slow shows in GET /tasks/ as ACTIVE while it runs, STARTED on its own route, and leaves the list when done", async () => {
		// The test is the dispatcher: it grants the turn itself, so it knows when the task runs.
		holdTurns();
		const created = await call<DemoStatus & { message: string }>("POST", "/tasks/slow?duration=2");
		expect(created.status).toBe(202);
		expect(created.body).toMatchObject({ status: "PENDING", message: "Slow task enqueued for 2 seconds" });
		const id = created.body.task_id;
		const run = runAttempt(id);

		await pollUntil(
			() => status(id),
			(s) => s.status === "STARTED",
			1_500,
		);
		// The list reads history; the running state is written there now, not after the coalescing delay.
		await flushHistory(id);
		const live = (await call<LiveList>("GET", "/tasks/")).body;
		expect(live.tasks).toContainEqual(expect.objectContaining({ task_id: id, status: "ACTIVE" }));
		expect(live.total).toBeGreaterThanOrEqual(1);

		await run;
		const done = await status(id);
		expect(done).toEqual({ task_id: id, status: "SUCCESS", result: { slept_seconds: 2 } });
		const after = await call<LiveList>("GET", "/tasks");
		expect(after.body.tasks.map((t) => t.task_id)).not.toContain(id);
	});

	it("lists a task waiting for its time as SCHEDULED and a fresh one as RESERVED", async () => {
		const later = await createTask({ task_name: "demo.sleep", delay_seconds: 3600 });
		// The list reads history, which the namespace's group commit fills a moment after the create.
		const list = await pollUntil(
			() => call<LiveList>("GET", "/tasks/"),
			(l) => l.body.tasks.some((t) => t.task_id === later.task_id),
		);
		expect(list.body.tasks).toContainEqual(expect.objectContaining({ task_id: later.task_id, status: "SCHEDULED" }));
		expect((await status(later.task_id)).status).toBe("PENDING");
	});

	it("reports FAILURE with result.error, and REVOKED for a cancelled task", async () => {
		const failing = await createTask({ task_name: "demo.fail", payload: { message: "Database connection failed", retryable: false } });
		const failed = await pollUntil(
			() => status(failing.task_id),
			(s) => TERMINAL.includes(s.status),
		);
		expect(failed).toEqual({ task_id: failing.task_id, status: "FAILURE", result: { error: "Database connection failed" } });

		const waiting = await createTask({ task_name: "demo.sleep", delay_seconds: 3600 });
		expect((await call("POST", `/v1/tasks/${waiting.task_id}/cancel`)).status).toBe(200);
		expect(await status(waiting.task_id)).toMatchObject({ status: "REVOKED", result: { error: expect.any(String) } });
	});

	it("answers an unknown id with 404 (never PENDING) and a bad body with 422", async () => {
		const unknown = await call("GET", "/tasks/01936f6e-8b9a-7c3d-9e2f-0a1b2c3d4e5f");
		expect(unknown.status).toBe(404);
		expect(unknown.headers.get("content-type")).toBe("application/problem+json");
		const bad = await call("POST", "/tasks/", { text: "no content" });
		expect(bad.status).toBe(422);
		expect(bad.body).toMatchObject({ code: "VALIDATION_FAILED", errors: [expect.objectContaining({ path: "content" })] });
		expect((await call("POST", "/tasks/slow?duration=-1")).status).toBe(422);
	});

	it("is documented in /openapi.json (Swagger at /docs)", async () => {
		expect((await documentedPaths(TAGS.fastapi)).sort()).toEqual(
			["POST /tasks/", "POST /tasks/slow", "GET /tasks/", "GET /tasks/{task_id}", "GET /messages/"].sort(),
		);
		const docs = await exports.default.fetch("http://x/docs");
		expect(docs.status).toBe(200);
		expect(await docs.text()).toContain("/openapi.json");
	});
});
