/**
 * The `/api/tasks` family replayed as its two clients use it: Mindia (no trailing slash,
 * lower-case statuses, cancel only before start, retry within max_retries, /stats) and the
 * centralised Celery manager (trailing slash, Celery states, company/tenant/creator filters,
 * soft and hard stop, /statistics/, /types/, and its legacy /jobs/ aliases).
 */
import { describe, expect, it } from "vitest";
import { TAGS } from "../src/api/compat/shared";
import { call, createTask, documentedPaths, pollUntil } from "./compat-helpers";

interface Item {
	id: string;
	task_id: string;
	type: string;
	status: string;
	state: string;
	error: string | null;
	percent: number | null;
	done: number | null;
	total: number | null;
	[key: string]: unknown;
}
interface Page {
	tasks: Item[];
	total: number;
	limit: number;
	offset: number;
}

const detail = (path: string) => call<Item & { live_state: string; ready: boolean; successful: boolean }>("GET", path).then((r) => r.body);
const ids = (page: Page) => page.tasks.map((t) => t.id);
const uniq = () => crypto.randomUUID().slice(0, 8);

describe("Mindia", () => {
	it("polls a task to completed, then finds it by status, type and date range and counts it in /stats", async () => {
		const start = new Date(Date.now() - 60_000).toISOString();
		const task = await createTask({ task_name: "demo.sleep", payload: { duration_seconds: 0 } });
		const done = await pollUntil(
			() => detail(`/api/tasks/${task.task_id}`),
			(t) => ["completed", "failed", "cancelled"].includes(t.status),
		);
		expect(done).toMatchObject({
			id: task.task_id,
			type: "demo",
			status: "completed",
			priority: 0,
			error: null,
			retry_count: 0,
			max_retries: 3,
		});
		expect(done).toMatchObject({ timeout_seconds: 900, payload: { duration_seconds: 0 }, started_at: expect.any(String) });

		const end = new Date(Date.now() + 60_000).toISOString();
		const page = await call<Page>("GET", `/api/tasks?status=completed&type=demo&start_date=${start}&end_date=${end}`);
		expect(page.status).toBe(200);
		expect(ids(page.body)).toContain(task.task_id);
		expect(page.body).toMatchObject({ limit: 50, offset: 0 });
		expect(page.body.tasks.every((t) => t.status === "completed" && t.type === "demo")).toBe(true);
		const none = await call<Page>("GET", `/api/tasks?status=failed&type=demo&start_date=${start}`);
		expect(ids(none.body)).not.toContain(task.task_id);

		const stats = await call<{ total: number; by_status: Record<string, number>; by_type: Record<string, number> }>(
			"GET",
			"/api/tasks/stats",
		);
		expect(stats.status).toBe(200);
		expect(stats.body.by_status.completed).toBeGreaterThanOrEqual(1);
		expect(Object.keys(stats.body.by_status).sort()).toEqual([
			"cancelled",
			"completed",
			"failed",
			"pending",
			"processing",
			"queued",
			"scheduled",
		]);
		expect(stats.body.by_type.demo).toBeGreaterThanOrEqual(1);
		expect(stats.body).toHaveProperty("average_duration_seconds");
		expect(stats.body).toHaveProperty("success_rate");
	});

	it("clamps limit to 100 rather than refusing it", async () => {
		const page = await call<Page>("GET", "/api/tasks?limit=500");
		expect(page.status).toBe(200);
		expect(page.body.limit).toBe(100);
	});

	it("cancels a scheduled task, and refuses (409) to cancel one that is processing or finished", async () => {
		const waiting = await createTask({ task_name: "VideoTranscoding", delay_seconds: 3600 });
		expect((await detail(`/api/tasks/${waiting.task_id}`)).status).toBe("scheduled");
		const cancelled = await call("POST", `/api/tasks/${waiting.task_id}/cancel`);
		expect(cancelled.status).toBe(200);
		expect(cancelled.body).toEqual({
			id: waiting.task_id,
			task_id: waiting.task_id,
			status: "cancelled",
			message: "Task cancelled successfully",
		});
		expect((await call("POST", `/api/tasks/${waiting.task_id}/cancel`)).status).toBe(409);

		const running = await createTask({ task_name: "demo.sleep", payload: { duration_seconds: 30 } });
		await pollUntil(
			() => detail(`/api/tasks/${running.task_id}`),
			(t) => t.status === "processing",
		);
		const refused = await call("POST", `/api/tasks/${running.task_id}/cancel`);
		expect(refused.status).toBe(409);
		expect(refused.headers.get("content-type")).toBe("application/problem+json");
		expect((await detail(`/api/tasks/${running.task_id}`)).status).toBe("processing");
		await call("POST", `/api/tasks/${running.task_id}/stop/`, { hard: true });
	});

	it("retries a failed task while retries are left, then answers 409", async () => {
		const task = await createTask({ task_name: "demo.fail", payload: { retryable: false, message: "bad input" }, max_retries: 1 });
		const failed = await pollUntil(
			() => detail(`/api/tasks/${task.task_id}`),
			(t) => t.status === "failed",
		);
		expect(failed).toMatchObject({ error: "bad input", state: "FAILURE", retry_count: 0 });
		const retried = await call<{ status: string; message: string }>("POST", `/api/tasks/${task.task_id}/retry`);
		expect(retried.status).toBe(200);
		expect(retried.body.message).toBe("Task scheduled for retry");
		expect(["pending", "queued", "processing", "failed"]).toContain(retried.body.status);
		await pollUntil(
			() => detail(`/api/tasks/${task.task_id}`),
			(t) => t.status === "failed" && t.retry_count === 1,
		);
		expect((await call("POST", `/api/tasks/${task.task_id}/retry`)).status).toBe(409);
	});

	it("answers an unknown id with a 404 problem", async () => {
		const res = await call("GET", "/api/tasks/01936f6e-8b9a-7c3d-9e2f-0a1b2c3d4e5f");
		expect(res.status).toBe(404);
		expect(res.body).toMatchObject({ code: "NOT_FOUND" });
	});
});

describe("Celery task manager", () => {
	it("filters by task_type, state, company_id, tenant_id and hours_ago; the detail carries live state and progress", async () => {
		const company = `c-${uniq()}`;
		const task = await createTask({
			task_name: "demo.sleep",
			payload: { duration_seconds: 2 },
			metadata: { company_id: company, tenant_id: "acme" },
		});
		const running = await pollUntil(
			() => detail(`/api/tasks/${task.task_id}/`),
			(t) => t.state === "STARTED" && t.done !== null,
		);
		expect(running).toMatchObject({ task_name: "demo.sleep", task_type: "demo", task_type_display: "Demo", live_state: "STARTED" });
		expect(running).toMatchObject({ ready: false, successful: false, total: 2, percent: expect.any(Number), tenant_id: "acme" });

		const finished = await pollUntil(
			() => detail(`/api/tasks/${task.task_id}/`),
			(t) => t.ready,
		);
		expect(finished).toMatchObject({ state: "SUCCESS", live_state: "SUCCESS", successful: true, percent: 100, done: 2, total: 2 });

		const query = `task_type=demo&state=SUCCESS&company_id=${company}&hours_ago=1`;
		const page = await call<Page>("GET", `/api/tasks/?${query}`);
		expect(ids(page.body)).toEqual([task.task_id]);
		expect(page.body).toMatchObject({ total: 1, limit: 100, offset: 0 });
		expect(ids((await call<Page>("GET", `/api/tasks/?company_id=${company}&tenant_id=acme`)).body)).toEqual([task.task_id]);
		// tenant_id is the manager's own field (metadata), never the caller's tenant.
		expect(ids((await call<Page>("GET", `/api/tasks/?company_id=${company}&tenant_id=dev`)).body)).toEqual([]);
		expect(ids((await call<Page>("GET", `/api/tasks/?company_id=${company}&state=FAILURE`)).body)).toEqual([]);
		expect(ids((await call<Page>("GET", `/api/tasks/?company_id=${company}&state=SUCCESS&status=completed`)).body)).toEqual([task.task_id]);
		expect(ids((await call<Page>("GET", `/api/tasks/?company_id=${company}&state=SUCCESS&status=failed`)).body)).toEqual([]);
		expect((await call("GET", `/api/tasks/?state=DONE`)).status).toBe(422);
		expect((await call("GET", `/api/tasks/?order_by=-finished_at&company_id=${company}`)).status).toBe(200);
		expect((await call("GET", `/api/tasks/?order_by=name`)).status).toBe(422);
	});

	it("filters by created_by_id", async () => {
		const page = await call<Page>("GET", `/api/tasks/?created_by_id=nobody-${uniq()}`);
		expect(page.status).toBe(200);
		expect(page.body.tasks).toEqual([]);
	});

	it("soft stop lets the running operation end, then the task is REVOKED; hard stop revokes at once", async () => {
		const soft = await createTask({ task_name: "demo.sleep", payload: { duration_seconds: 30 } });
		await pollUntil(
			() => detail(`/api/tasks/${soft.task_id}/`),
			(t) => t.state === "STARTED",
		);
		const stopped = await call("POST", `/api/tasks/${soft.task_id}/stop/`);
		expect(stopped.status).toBe(200);
		expect(stopped.body).toMatchObject({ success: true, task_id: soft.task_id, action: "soft_stop", message: "Task revoked successfully" });
		await pollUntil(
			() => detail(`/api/tasks/${soft.task_id}/`),
			(t) => t.state === "REVOKED",
		);

		const hard = await createTask({ task_name: "demo.sleep", payload: { duration_seconds: 30 } });
		await pollUntil(
			() => detail(`/api/tasks/${hard.task_id}/`),
			(t) => t.state === "STARTED",
		);
		const terminated = await call("POST", `/api/tasks/${hard.task_id}/stop`, { hard: true });
		expect(terminated.body).toMatchObject({
			success: true,
			action: "hard_stop",
			state: "REVOKED",
			message: "Task terminated successfully",
		});
		expect(await detail(`/api/tasks/${hard.task_id}`)).toMatchObject({
			state: "REVOKED",
			status: "cancelled",
			ready: true,
			successful: false,
		});
		expect((await call("POST", `/api/tasks/${hard.task_id}/stop/`, { hard: true })).status).toBe(409);
	});

	it("reports statistics by Celery state and task type over hours_ago", async () => {
		const stats = await call<Record<string, unknown>>("GET", "/api/tasks/statistics/?hours_ago=48");
		expect(stats.status).toBe(200);
		expect(stats.body).toMatchObject({
			total: expect.any(Number),
			running: expect.any(Number),
			completed: expect.any(Number),
			failed: expect.any(Number),
			revoked: expect.any(Number),
			hours_ago: 48,
		});
		const byState = stats.body.by_state as Record<string, number>;
		expect(Object.keys(byState).every((k) => ["PENDING", "STARTED", "RETRY", "SUCCESS", "FAILURE", "REVOKED"].includes(k))).toBe(true);
		expect(byState.SUCCESS).toBe(stats.body.completed);
		expect((await call("GET", "/api/tasks/statistics")).status).toBe(200);
		const byType = await call<Record<string, unknown>>("GET", "/api/tasks/statistics/?task_type=demo&hours_ago=48");
		expect(Object.keys(byType.body.by_task_type as object).every((t) => t === "demo")).toBe(true);
		const company = `s-${uniq()}`;
		const done = await createTask({ task_name: "demo.sleep", payload: { duration_seconds: 0 }, metadata: { company_id: company } });
		await createTask({ task_name: "demo.sleep", delay_seconds: 3600, metadata: { company_id: company } });
		await pollUntil(
			() => detail(`/api/tasks/${done.task_id}/`),
			(t) => t.ready,
		);
		const forCompany = await call<Record<string, unknown>>("GET", `/api/tasks/statistics/?company_id=${company}`);
		expect(forCompany.body).toMatchObject({ total: 2, running: 1, completed: 1, by_state: { SUCCESS: 1, PENDING: 1 }, hours_ago: 24 });
	});

	it("lists task types with display names", async () => {
		const types = await call<{ value: string; display: string }[]>("GET", "/api/tasks/types/");
		expect(types.status).toBe(200);
		expect(types.body).toContainEqual({ value: "etl", display: "ETL Pipeline" });
		expect(types.body).toContainEqual({ value: "other", display: "Other" });
		expect((await call("GET", "/api/tasks/types")).body).toEqual(types.body);
	});

	it("keeps the legacy /jobs/ and /jobs/{task_id}/ aliases", async () => {
		const task = await createTask({ task_name: "etl.process_etl_file", delay_seconds: 3600, metadata: { company_id: `j-${uniq()}` } });
		const page = await call<Page>("GET", `/jobs/?company_id=${task.metadata.company_id}`);
		expect(page.status).toBe(200);
		expect(page.body.tasks).toEqual([
			expect.objectContaining({ task_id: task.task_id, task_type: "etl", task_type_display: "ETL Pipeline", state: "PENDING" }),
		]);
		expect(await detail(`/jobs/${task.task_id}/`)).toMatchObject({
			task_id: task.task_id,
			state: "PENDING",
			status: "scheduled",
			ready: false,
		});
		expect((await call("GET", `/jobs/${task.task_id}`)).status).toBe(200);
		await call("POST", `/api/tasks/${task.task_id}/cancel`);
	});

	it("is documented in /openapi.json, each route once", async () => {
		const paths = await documentedPaths(TAGS.apiTasks);
		expect(paths.sort()).toEqual(
			[
				"GET /api/tasks",
				"GET /api/tasks/{id}",
				"GET /api/tasks/stats",
				"GET /api/tasks/statistics/",
				"GET /api/tasks/types/",
				"POST /api/tasks/{id}/cancel",
				"POST /api/tasks/{id}/retry",
				"POST /api/tasks/{id}/stop/",
				"GET /jobs/",
				"GET /jobs/{id}/",
			].sort(),
		);
	});
});
