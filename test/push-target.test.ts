import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Task } from "../src/task/task";
import type { TaskObject } from "../src/task/task-object";
import { issueKey, sendDeployed, uniqueTenant } from "./auth-helpers";
import { api, createTask, expectProblem, postJson, taskStub } from "./helpers";

const later = { delay_seconds: 3600 };

describe("a task's push target", () => {
	it("is kept on the task in full, and shown with its header values redacted", async () => {
		const target = { url: "http://127.0.0.1:9999/run", headers: { Authorization: "Bearer target-secret" }, timeout_seconds: 20 };
		const task = await createTask({ task_name: "render.video", target, ...later });
		const shown = { url: target.url, headers: { Authorization: "[redacted]" }, timeout_seconds: 20 };
		expect(task.target).toEqual(shown);
		expect((await (await api(`/v1/tasks/${task.task_id}`)).json<Task>()).target).toEqual(shown);
		const stored = await runInDurableObject(taskStub(task.task_id), async (_object: TaskObject, state) => {
			const row = state.storage.sql.exec<{ record: string }>("SELECT record FROM task").one();
			return JSON.parse(row.record).target;
		});
		expect(stored).toEqual(target);
	});

	it("is null on a task that names none and whose type has none", async () => {
		const task = await createTask({ task_name: "demo.sleep", ...later });
		expect(task).toMatchObject({ execution: "builtin", target: null });
	});

	it("makes the task http unless it says otherwise; http needs a target and only http takes one", async () => {
		const target = { url: "https://jobs.example.com/run" };
		expect(await createTask({ task_name: "render.video", target, ...later })).toMatchObject({ execution: "http", target });
		expect(await createTask({ task_name: "render.video", execution: "http", target, ...later })).toMatchObject({ execution: "http" });
		for (const [body, message] of [
			[{ execution: "http" }, "an http task needs a target: give one, or give its type (other) one"],
			[{ execution: "pull", target }, "a target is pushed to only in execution http, not pull"],
			[{ execution: "builtin", target, task_name: "demo.sleep" }, "a target is pushed to only in execution http, not builtin"],
		] as const) {
			const problem = await expectProblem(await postJson("/v1/tasks", { task_name: "render.video", ...body }), 422, "VALIDATION_FAILED");
			expect(problem.errors).toEqual([{ path: "target", message }]);
		}
	});

	it.each([
		[{ url: "not a url" }, "target.url"],
		[{ url: "ftp://example.com/x" }, "target.url"],
		[{ url: "https://example.com", timeout_seconds: 301 }, "target.timeout_seconds"],
		[{ url: "https://example.com", timeout_seconds: 0 }, "target.timeout_seconds"],
		[{ url: "https://example.com", headers: { "webhook-signature": "v1,x" } }, "target.headers.webhook-signature"],
		[{ url: "https://example.com", headers: { "Content-Type": "text/plain" } }, "target.headers.Content-Type"],
		[{ url: "https://example.com", headers: { "bad name": "x" } }, "target.headers.bad name"],
		[{ url: "https://example.com", headers: { "X-Evil": "a\r\nHost: b" } }, "target.headers.X-Evil"],
		[{ url: "https://example.com", method: "PUT" }, "target"],
	])("%j is a 422 at %s and creates nothing", async (target, path) => {
		const res = await postJson("/v1/tasks", { task_name: "render.video", target }, { "idempotency-key": crypto.randomUUID() });
		const problem = await expectProblem(res, 422, "VALIDATION_FAILED");
		expect(problem.errors?.map((e) => e.path)).toContain(path);
	});

	it("a deployment accepts only https to a public address, checked when the task is created", async () => {
		const key = (await issueKey(uniqueTenant("push"), ["tasks:write"])).key;
		const create = (url: string) => sendDeployed("/v1/tasks", { key, body: { task_name: "render.video", target: { url }, ...later } });
		const accepted = await create("https://jobs.example.com/run");
		expect(accepted.status, await accepted.clone().text()).toBe(202);
		for (const [url, message] of [
			["http://jobs.example.com/run", "a deployed taskplane only calls https URLs"],
			["https://127.0.0.1/run", "private, loopback and link-local addresses cannot be called"],
			["https://[::ffff:a9fe:a9fe]/", "private, loopback and link-local addresses cannot be called"],
			["https://localhost:8443/", "loopback hosts cannot be called"],
		]) {
			const res = await create(url as string);
			const problem = await expectProblem(res, 422, "VALIDATION_FAILED");
			expect(problem.errors).toEqual([{ path: "target.url", message }]);
		}
	});
});
