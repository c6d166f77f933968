/**
 * Mixpeek's documented flow: poll GET /v1/tasks/{id} with backoff until a terminal status,
 * list with POST /v1/tasks/list by status, type, namespace and creation time (its other enum
 * words accepted), and kill with POST /v1/tasks/{id}/kill (or the SDK's DELETE), idempotently.
 */
import { describe, expect, it } from "vitest";
import { TAGS } from "../src/api/compat/shared";
import type { Task } from "../src/task/task";
import { call, createTask, documentedPaths, pollUntil } from "./compat-helpers";
import { createClaimedTask, flushHistory } from "./helpers";

interface MixpeekList {
	results: Task[];
	pagination: { total?: number; page_size?: number; next_cursor?: string | null };
}

const TERMINAL = ["COMPLETED", "COMPLETED_WITH_ERRORS", "FAILED", "CANCELED"];
const get = (id: string) => call<Task>("GET", `/v1/tasks/${id}`).then((r) => r.body);
const list = (body: Record<string, unknown>, query = "") => call<MixpeekList>("POST", `/v1/tasks/list${query}`, body);

describe("Mixpeek", () => {
	it("polls a task to COMPLETED and finds it by status, task_type, namespace and creation time", async () => {
		const namespace = `mx-${crypto.randomUUID().slice(0, 8)}`;
		const since = new Date(Date.now() - 60_000).toISOString();
		const task = await createTask({ task_name: "demo.sleep", payload: { duration_seconds: 0 }, namespace });
		const done = await pollUntil(
			() => get(task.task_id),
			(t) => TERMINAL.includes(t.status),
		);
		expect(done).toMatchObject({ task_id: task.task_id, task_type: "demo", status: "COMPLETED", error_message: null });

		// Lists read history, which the namespace's group commit fills within a window of the end.
		const found = await pollUntil(
			() => list({ status: "COMPLETED", task_type: "demo", namespace, created_after: since }),
			(r) => r.status === 200 && r.body.results.length > 0,
		);
		expect(found.body.results.map((t) => t.task_id)).toEqual([task.task_id]);
		expect(found.body.pagination).toMatchObject({ total: 1 });

		// Its own filter syntax for creation time: {field: created_at, operator: gte, value}.
		const byFilters = await list({ namespace, filters: { AND: [{ field: "created_at", operator: "gte", value: since }] } });
		expect(byFilters.body.results.map((t) => t.task_id)).toEqual([task.task_id]);
		const future = await list({ namespace, filters: { AND: [{ field: "created_at", operator: "gt", value: "2999-01-01T00:00:00Z" }] } });
		expect(future.body.results).toEqual([]);
	});

	it("accepts the rest of its status enum as filters: IN_PROGRESS is PROCESSING, lifecycle words select nothing", async () => {
		const namespace = `mx-${crypto.randomUUID().slice(0, 8)}`;
		// Running (claimed by the test), and its PROCESSING state written to history now rather
		// than after the coalescing delay.
		const task = await createClaimedTask({ task_name: "demo.sleep", payload: { duration_seconds: 3 }, namespace });
		await flushHistory(task.task_id);
		const running = await list({ status: "IN_PROGRESS", namespace });
		expect(running.body.results.map((t) => t.task_id)).toEqual([task.task_id]);
		for (const word of ["ARCHIVED", "DRAFT", "UNKNOWN", "SKIPPED", "ACTIVE", "SUSPENDED"]) {
			const none = await list({ status: word, namespace });
			expect(none.status).toBe(200);
			expect(none.body.results).toEqual([]);
		}
		const unknown = await list({ status: "NOT_A_STATUS" });
		expect(unknown.status).toBe(422);
		expect(unknown.body).toMatchObject({ errors: [expect.objectContaining({ path: "status.0" })] });
		await call("POST", `/v1/tasks/${task.task_id}/kill`);
	});

	it("kills a running task at once, and a second kill (or an unknown id) still succeeds", async () => {
		const task = await createTask({ task_name: "demo.sleep", payload: { duration_seconds: 30 } });
		await pollUntil(
			() => get(task.task_id),
			(t) => t.status === "PROCESSING",
		);
		const killed = await call("POST", `/v1/tasks/${task.task_id}/kill`);
		expect(killed.status).toBe(200);
		expect(killed.body).toMatchObject({ success: true, task_id: task.task_id, status: "CANCELED" });
		expect(await get(task.task_id)).toMatchObject({ status: "CANCELED" });

		const again = await call("POST", `/v1/tasks/${task.task_id}/kill`);
		expect(again.body).toMatchObject({ success: true, status: "CANCELED" });
		const bySdk = await call("DELETE", `/v1/tasks/${task.task_id}`);
		expect(bySdk.status).toBe(200);
		expect(bySdk.body).toMatchObject({ success: true });
		const unknown = await call("POST", "/v1/tasks/01936f6e-8b9a-7c3d-9e2f-0a1b2c3d4e5f/kill");
		expect(unknown.body).toMatchObject({ success: true, status: null });
	});

	it("stops polling at every terminal status: a failed task says why in error_message", async () => {
		const task = await createTask({ task_name: "demo.fail", payload: { message: "Object not found", retryable: false } });
		const done = await pollUntil(
			() => get(task.task_id),
			(t) => TERMINAL.includes(t.status),
		);
		expect(done).toMatchObject({ status: "FAILED", error_message: "Object not found" });
	});

	it("is documented in /openapi.json", async () => {
		expect((await documentedPaths(TAGS.mixpeek)).sort()).toEqual(
			["POST /v1/tasks/list", "POST /v1/tasks/{task_id}/kill", "DELETE /v1/tasks/{task_id}"].sort(),
		);
	});
});
