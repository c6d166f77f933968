import { afterEach, describe, expect, it, vi } from "vitest";
import { newTaskId } from "../src/task/ids";
import { api, createTask, expectProblem, holdQueue, postJson, runAttempt } from "./helpers";

afterEach(() => {
	vi.restoreAllMocks();
});

describe("problem+json errors", () => {
	it("404 for an id that was never created", async () => {
		const problem = await expectProblem(await api(`/v1/tasks/${newTaskId()}`), 404, "NOT_FOUND");
		expect(problem.type).toMatch(/not-found/);
		await expectProblem(await api(`/v1/tasks/${newTaskId()}/events`), 404, "NOT_FOUND");
		await expectProblem(await postJson(`/v1/tasks/${newTaskId()}/cancel`, {}), 404, "NOT_FOUND");
		await expectProblem(await postJson(`/v1/tasks/${newTaskId()}/retry`, {}), 404, "NOT_FOUND");
	});

	it.each(["not-a-uuid", "01936f6e-8b9a-4c3d-9e2f-0a1b2c3d4e5f", "01936F6E-8B9A-7C3D-9E2F-0A1B2C3D4E5F"])(
		"404 for a malformed id %s",
		async (id) => {
			await expectProblem(await api(`/v1/tasks/${id}`), 404, "NOT_FOUND");
		},
	);

	it("409 when cancelling a COMPLETED task", async () => {
		holdQueue();
		const task = await createTask({ task_name: "demo.sleep", payload: { duration_seconds: 0 } });
		expect((await runAttempt(task.task_id)).status).toBe("COMPLETED");
		const problem = await expectProblem(await postJson(`/v1/tasks/${task.task_id}/cancel`, { mode: "hard" }), 409, "CONFLICT");
		expect(problem.detail).toMatch(/COMPLETED/);
		await expectProblem(await postJson(`/v1/tasks/${task.task_id}/retry`, {}), 409, "CONFLICT");
	});

	it("413 for a body over 256 KiB", async () => {
		const big = { task_name: "demo.sleep", payload: { blob: "x".repeat(256 * 1024) } };
		await expectProblem(await postJson("/v1/tasks", big), 413, "PAYLOAD_TOO_LARGE");
	});

	it.each([
		["a field of the wrong type", { task_name: "demo.sleep", priority: "high" }, "priority"],
		["a missing task_name", { payload: {} }, "task_name"],
		["an unknown field", { task_name: "demo.sleep", colour: "blue" }, ""],
		["run_at with delay_seconds", { task_name: "demo.sleep", run_at: "2030-01-01T00:00:00Z", delay_seconds: 5 }, "delay_seconds"],
		["a bad run_at", { task_name: "demo.sleep", run_at: "tomorrow" }, "run_at"],
		["max_retries out of range", { task_name: "demo.sleep", max_retries: -1 }, "max_retries"],
	])("422 for %s, naming the field", async (_what, body, path) => {
		const problem = await expectProblem(await postJson("/v1/tasks", body), 422, "VALIDATION_FAILED");
		expect(problem.errors?.length).toBeGreaterThan(0);
		for (const error of problem.errors ?? []) {
			expect(error).toEqual({ path: expect.any(String), message: expect.any(String) });
		}
		if (path) {
			expect(problem.errors?.map((e) => e.path)).toContain(path);
		}
	});

	it("422 for a bad cancel mode", async () => {
		const task = await createTask({ task_name: "demo.sleep", delay_seconds: 3600 });
		const problem = await expectProblem(await postJson(`/v1/tasks/${task.task_id}/cancel`, { mode: "gentle" }), 422, "VALIDATION_FAILED");
		expect(problem.errors?.map((e) => e.path)).toContain("mode");
	});

	it("422 for a statistics window reaching back past what history keeps, saying how far it may", async () => {
		const problem = await expectProblem(await api("/v1/tasks/stats?hours_ago=1e9"), 422, "VALIDATION_FAILED");
		expect(problem.errors).toEqual([{ path: "hours_ago", message: "hours_ago reaches back at most 8784 hours (366 days)" }]);
	});

	it("400 for malformed JSON", async () => {
		const res = await api("/v1/tasks", { method: "POST", headers: { "content-type": "application/json" }, body: '{"task_name": ' });
		await expectProblem(res, 400, "BAD_REQUEST");
	});

	it("405 with Allow for a wrong method", async () => {
		const res = await api("/v1/tasks", { method: "DELETE" });
		await expectProblem(res, 405, "METHOD_NOT_ALLOWED");
		expect(res.headers.get("allow")).toBe("GET, HEAD, POST");
		const onTask = await api(`/v1/tasks/${newTaskId()}`, { method: "PUT" });
		await expectProblem(onTask, 405, "METHOD_NOT_ALLOWED");
		expect(onTask.headers.get("allow")).toBe("DELETE, GET, HEAD");
	});

	it("404 for an unknown route", async () => {
		const problem = await expectProblem(await api("/v1/nothing-here"), 404, "NOT_FOUND");
		expect(problem.detail).toMatch(/route/);
		await expectProblem(await api("/nowhere"), 404, "NOT_FOUND");
	});
});

describe("service routes", () => {
	it("GET /health", async () => {
		const res = await api("/health");
		expect(res.status).toBe(200);
		expect(await res.json()).toEqual({ status: "ok" });
	});

	it("GET /openapi.json is OpenAPI 3.1 listing the routes", async () => {
		const res = await api("/openapi.json");
		expect(res.status).toBe(200);
		const doc = await res.json<{ openapi: string; paths: Record<string, Record<string, unknown>> }>();
		expect(doc.openapi).toMatch(/^3\.1\./);
		expect(Object.keys(doc.paths["/v1/tasks"] ?? {})).toContain("post");
		expect(Object.keys(doc.paths["/v1/tasks/{task_id}"] ?? {})).toContain("get");
		expect(Object.keys(doc.paths["/v1/tasks/{task_id}/cancel"] ?? {})).toContain("post");
		expect(Object.keys(doc.paths["/v1/tasks/{task_id}/retry"] ?? {})).toContain("post");
		expect(Object.keys(doc.paths["/v1/tasks/{task_id}/events"] ?? {})).toContain("get");
		expect(Object.keys(doc.paths["/v1/messages"] ?? {})).toContain("get");
		expect(Object.keys(doc.paths["/health"] ?? {})).toContain("get");
	});

	it("GET /docs serves the interactive documentation", async () => {
		const res = await api("/docs");
		expect(res.status).toBe(200);
		expect(res.headers.get("content-type")).toMatch(/text\/html/);
	});
});
