/**
 * Task types as data: a tenant defines and overrides types, its creates and its dispatcher use
 * them, other tenants never see them, and bad definitions are a 422 that stores nothing.
 */
import { describe, expect, it, vi } from "vitest";
import type { TaskTypeInfo } from "../src/services/task-types";
import type { Task } from "../src/task/task";
import { expectProblem, issueKey, send, sendDeployed, uniqueTenant } from "./auth-helpers";

const FAST = { per_second: 1000, burst: 1000 };

async function admin(label: string): Promise<string> {
	return (await issueKey(uniqueTenant(label), ["admin"], { rate_limit: FAST })).key;
}

const put = (key: string, type: string, body: unknown) => send(`/v1/task-types/${type}`, { method: "PUT", body, key });

async function types(key: string): Promise<TaskTypeInfo[]> {
	const res = await send("/v1/task-types", { key });
	expect(res.status).toBe(200);
	return (await res.json<{ task_types: TaskTypeInfo[] }>()).task_types;
}

async function create(key: string, body: Record<string, unknown>): Promise<Task & { waiting?: { reason: string } }> {
	const res = await send("/v1/tasks", { key, body });
	expect(res.status, await res.clone().text()).toBe(202);
	return res.json();
}

describe("task types as data", () => {
	it("a pull type with patterns: listed as the tenant's, and tasks named by its patterns get its settings", async () => {
		const key = await admin("types-pull");
		const res = await put(key, "reports", {
			display: "Nightly reports",
			patterns: ["reports.*", "make_report"],
			execution: "pull",
			max_retries: 5,
			timeout_seconds: 7200,
		});
		expect(res.status, await res.clone().text()).toBe(200);
		expect(await res.json()).toMatchObject({ type: "reports", source: "tenant", overrides: false, active: true });
		const listed = await types(key);
		expect(listed[0]).toMatchObject({ type: "reports", display: "Nightly reports", defaults: { max_retries: 5, timeout_seconds: 7200 } });
		expect(listed.filter((t) => t.source === "builtin").map((t) => t.type)).toContain("etl");

		for (const name of ["reports.daily", "make_report"]) {
			const task = await create(key, { task_name: name });
			expect(task).toMatchObject({ task_type: "reports", task_type_display: "Nightly reports", execution: "pull", max_retries: 5 });
			expect(task.timeout_seconds).toBe(7200);
		}
		// The request still wins over its type.
		expect(await create(key, { task_name: "reports.weekly", max_retries: 1 })).toMatchObject({ max_retries: 1 });
		expect((await create(key, { task_name: "something.else" })).task_type).toBe("other");
	});

	it("overriding a built-in type: the tenant's wins, the built-in one shows inactive, and DELETE brings it back", async () => {
		const key = await admin("types-override");
		const res = await put(key, "etl", { max_retries: 7 });
		expect(await res.json()).toMatchObject({
			type: "etl",
			display: "ETL Pipeline",
			patterns: ["etl.", "etl_"],
			source: "tenant",
			overrides: true,
		});
		const etl = (await types(key)).filter((t) => t.type === "etl");
		expect(etl.map((t) => [t.source, t.active, t.defaults.max_retries])).toEqual([
			["tenant", true, 7],
			["builtin", false, 3],
		]);
		expect((await create(key, { task_name: "etl.load" })).max_retries).toBe(7);

		expect((await send("/v1/task-types/etl", { method: "DELETE", key })).status).toBe(204);
		expect(await (await send("/v1/task-types/etl", { key })).json()).toMatchObject({ source: "builtin", overrides: false });
		expect((await create(key, { task_name: "etl.load" })).max_retries).toBe(3);
		await expectProblem(await send("/v1/task-types/etl", { method: "DELETE", key }), 404, "NOT_FOUND");
	});

	it("a push type with a target: its tasks are http and pushed there, the target's header values redacted", async () => {
		const key = await admin("types-push");
		const target = { url: "http://127.0.0.1:9/jobs", headers: { "x-api-key": "s3cret" }, timeout_seconds: 10 };
		const res = await put(key, "transcode", { patterns: ["transcode.*"], execution: "http", target });
		expect(res.status, await res.clone().text()).toBe(200);
		const shown = await res.json<TaskTypeInfo>();
		expect(shown.target).toEqual({ ...target, headers: { "x-api-key": "[redacted]" } });
		const task = await create(key, { task_name: "transcode.mp4", delay_seconds: 3600 });
		expect(task).toMatchObject({ execution: "http", target: { url: target.url, headers: { "x-api-key": "[redacted]" } } });
	});

	it("the dispatcher applies a tenant type's rate limit", async () => {
		const key = await admin("types-rate");
		await put(key, "demo", { rate_limit: { per_second: 0.01, burst: 1 } });
		const first = await create(key, { task_name: "demo.sleep", payload: { duration_seconds: 0 } });
		const second = await create(key, { task_name: "demo.sleep", payload: { duration_seconds: 0 } });
		await vi.waitFor(async () => {
			const view = await (await send(`/v1/tasks/${second.task_id}`, { key })).json<{ status: string; waiting?: { reason: string } }>();
			expect(view).toMatchObject({ status: "PENDING", waiting: { reason: "rate_limit" } });
		});
		await vi.waitFor(async () => {
			expect((await (await send(`/v1/tasks/${first.task_id}`, { key })).json<Task>()).status).toBe("COMPLETED");
		});
	});

	it("a retry waits by the type's backoff, and the completion after it clears the failed attempt's error", async () => {
		const key = await admin("types-backoff");
		await put(key, "flaky", { patterns: ["flaky.*"], execution: "pull", backoff: { base_seconds: 0.05, factor: 1, max_seconds: 1 } });
		const ns = `flaky-${crypto.randomUUID().slice(0, 8)}`;
		const task = await create(key, { task_name: "flaky.job", namespace: ns });
		const claim = async () => {
			const res = await send("/v1/workers/claim", { key, body: { namespace: ns, task_names: ["flaky.job"], max: 1, wait_seconds: 5 } });
			expect(res.status, await res.clone().text()).toBe(200);
			const [lease] = (await res.json<{ tasks: { task_id: string; attempt: number; token: string }[] }>()).tasks;
			expect(lease?.task_id).toBe(task.task_id);
			return lease as { attempt: number; token: string };
		};
		const first = await claim();
		const failed = await send(`/v1/tasks/${task.task_id}/fail`, {
			key: first.token,
			body: { code: "UPSTREAM_DOWN", message: "try later" },
		});
		expect(failed.status).toBe(200);
		expect((await (await send(`/v1/tasks/${task.task_id}`, { key })).json<Task>()).error_code).toBe("UPSTREAM_DOWN");
		// The retry was set below the type's ceiling of 50 ms after the failure (the default's first ceiling is 1 s).
		type Entry = { at: string; to_status?: string; message: string };
		const events = (await (await send(`/v1/tasks/${task.task_id}/events`, { key })).json<{ events: Entry[] }>()).events;
		const backoff = events.find((e) => e.to_status === "SCHEDULED");
		const runAt = Date.parse(backoff?.message.match(/ at (\S+)$/)?.[1] ?? "");
		expect(runAt - Date.parse(backoff?.at ?? "")).toBeLessThanOrEqual(50);
		const second = await claim();
		expect(second.attempt).toBe(2);
		expect((await send(`/v1/tasks/${task.task_id}/complete`, { key: second.token, body: { result: { ok: true } } })).status).toBe(200);
		const done = await (await send(`/v1/tasks/${task.task_id}`, { key })).json<Task>();
		expect(done).toMatchObject({ status: "COMPLETED", attempt: 2, error_code: null, error_message: null, result: { ok: true } });
	});

	it("lists a task by name under the type it got from the tenant's definition", async () => {
		const key = await admin("types-list");
		await put(key, "etl_reports", { patterns: ["etl.reports."] });
		const task = await create(key, { task_name: "etl.reports.daily", delay_seconds: 3600 });
		expect(task.task_type).toBe("etl_reports");
		await vi.waitFor(async () => {
			const list = await (await send("/v1/tasks?task_name=etl.reports.daily", { key })).json<{ tasks: Task[] }>();
			expect(list.tasks.map((t) => t.task_id)).toEqual([task.task_id]);
		});
	});

	it.each([
		["reports", { patterns: ["reports.*"], execution: "builtin", timeout_seconds: 901 }, "timeout_seconds"],
		["reports", { patterns: ["reports.*"], execution: "http" }, "target"],
		["reports", { patterns: ["reports.*"], execution: "pull", target: { url: "https://example.com" } }, "target"],
		["reports", { patterns: ["re*ports"] }, "patterns.0"],
		["reports", { patterns: [] }, "patterns"],
		["reports", { display: "no patterns" }, "patterns"],
		["reports", { patterns: ["r."], backoff: { base_seconds: 10, factor: 2, max_seconds: 5 } }, "backoff.max_seconds"],
		["reports", { patterns: ["r."], rate_limit: { per_second: 0, burst: 1 } }, "rate_limit.per_second"],
		["reports", { patterns: ["r."], max_retries: -1 }, "max_retries"],
		["reports", { patterns: ["r."], colour: "red" }, "(root)"],
		["other", { max_retries: 1 }, "type"],
		["-bad!", { patterns: ["r."] }, "type"],
	])("PUT %s %j is a 422 naming %s, and stores nothing", async (type, body, path) => {
		const key = await admin("types-bad");
		const problem = (await expectProblem(await put(key, type, body), 422, "VALIDATION_FAILED")) as { errors?: { path: string }[] };
		expect(problem.errors?.map((e) => e.path)).toContain(path);
		expect((await types(key)).every((t) => t.source === "builtin")).toBe(true);
	});

	it("a pattern another of the tenant's types already claims is a 422 naming it, and stores nothing", async () => {
		const key = await admin("types-claimed");
		expect((await put(key, "reports", { patterns: ["reports.*", "make_report"] })).status).toBe(200);
		// `reports.` and `reports.*` match the same names: the second type could never win one.
		for (const [pattern, index] of [
			["reports.", 1],
			["reports.*", 1],
			["make_report", 1],
		] as const) {
			const res = await put(key, "reports2", { patterns: ["reports2.", pattern], max_retries: 9 });
			const problem = (await expectProblem(res, 422, "VALIDATION_FAILED")) as { errors?: { path: string; message: string }[] };
			expect(problem.errors?.[0]).toMatchObject({ path: `patterns.${index}`, message: expect.stringContaining("reports") });
		}
		await expectProblem(await send("/v1/task-types/reports2", { key }), 404, "NOT_FOUND");
		// A type may restate its own patterns, and a longer prefix under another's is fine (it wins its names).
		expect((await put(key, "reports", { patterns: ["reports.*", "make_report"], max_retries: 4 })).status).toBe(200);
		expect((await put(key, "daily", { patterns: ["reports.daily."] })).status).toBe(200);
		expect((await create(key, { task_name: "reports.weekly", delay_seconds: 3600 })).task_type).toBe("reports");
	});

	it("a deployed taskplane refuses a type's target the SSRF guard refuses, with a 422", async () => {
		const key = (await issueKey(uniqueTenant("types-ssrf"), ["admin"], { rate_limit: FAST })).key;
		const define = (url: string) =>
			sendDeployed("/v1/task-types/hooks", { method: "PUT", key, body: { patterns: ["hooks.*"], execution: "http", target: { url } } });
		for (const url of ["http://jobs.example.com/run", "https://127.0.0.1/run", "https://10.0.0.8/run"]) {
			const problem = (await expectProblem(await define(url), 422, "VALIDATION_FAILED")) as { errors?: { path: string }[] };
			expect(problem.errors?.map((e) => e.path)).toEqual(["target.url"]);
		}
		expect((await define("https://jobs.example.com/run")).status).toBe(200);
	});

	it("any reader may read types; only an admin may define or delete them (403)", async () => {
		const tenant = uniqueTenant("types-scope");
		const reader = await issueKey(tenant, ["tasks:read"]);
		const writer = await issueKey(tenant, ["tasks:read", "tasks:write"]);
		const boss = await issueKey(tenant, ["admin"]);
		await expectProblem(await put(writer.key, "reports", { patterns: ["reports.*"] }), 403, "FORBIDDEN");
		expect((await put(boss.key, "reports", { patterns: ["reports.*"] })).status).toBe(200);
		expect((await send("/v1/task-types/reports", { key: reader.key })).status).toBe(200);
		expect((await types(reader.key)).some((t) => t.type === "reports")).toBe(true);
		await expectProblem(await send("/v1/task-types/reports", { method: "DELETE", key: writer.key }), 403, "FORBIDDEN");
	});

	it("one tenant's types are invisible to another and change nothing of its tasks", async () => {
		const a = await admin("types-a");
		const b = await admin("types-b");
		await put(a, "reports", { patterns: ["reports.*"], max_retries: 9 });
		await put(a, "etl", { max_retries: 8 });
		await expectProblem(await send("/v1/task-types/reports", { key: b }), 404, "NOT_FOUND");
		expect((await types(b)).every((t) => t.source === "builtin")).toBe(true);
		expect(await create(b, { task_name: "reports.daily", delay_seconds: 3600 })).toMatchObject({ task_type: "other", max_retries: 3 });
		expect((await create(b, { task_name: "etl.load", delay_seconds: 3600 })).max_retries).toBe(3);
		await expectProblem(await send("/v1/task-types/reports", { method: "DELETE", key: b }), 404, "NOT_FOUND");
		expect((await send("/v1/task-types/reports", { key: a })).status).toBe(200);
	});
});
