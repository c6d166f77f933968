/**
 * Execution against `wrangler dev`: a long builtin run holds back no other task, and an external
 * task is tracked through its runner's reports, sent with fetch as a CI step would.
 */
import { describe, expect, inject, it, vi } from "vitest";

const base = inject("baseUrl");

interface Task {
	task_id: string;
	status: string;
	execution: string;
	result: unknown;
	token?: string;
	lease_expires_at: string | null;
}

async function call<T>(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: T }> {
	const headers: Record<string, string> = body === undefined ? {} : { "content-type": "application/json" };
	if (token) {
		headers.authorization = `Bearer ${token}`;
	}
	const response = await fetch(`${base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
	const text = await response.text();
	return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
}

async function create(body: Record<string, unknown>): Promise<Task> {
	const created = await call<Task>("POST", "/v1/tasks", body);
	expect(created.status).toBe(202);
	return created.body;
}

function waitFor(taskId: string, done: (task: Task) => boolean, timeout = 20_000): Promise<Task> {
	return vi.waitFor(
		async () => {
			const { body } = await call<Task>("GET", `/v1/tasks/${taskId}`);
			if (!done(body)) {
				throw new Error(`task ${taskId} is ${body.status}`);
			}
			return body;
		},
		{ timeout, interval: 100 },
	);
}

describe("builtin isolation", () => {
	it("a 0 s demo.sleep created after a 40 s one completes while the long one still runs", { timeout: 60_000 }, async () => {
		const long = await create({ task_name: "demo.sleep", payload: { duration_seconds: 40 } });
		await waitFor(long.task_id, (t) => t.status === "PROCESSING");
		const short = await create({ task_name: "demo.sleep", payload: { duration_seconds: 0 } });
		await waitFor(short.task_id, (t) => t.status === "COMPLETED", 30_000);
		const { body: still } = await call<Task>("GET", `/v1/tasks/${long.task_id}`);
		expect(still).toMatchObject({ status: "PROCESSING", execution: "builtin" });
		expect(still.lease_expires_at).not.toBeNull();
		const canceled = await call<Task>("POST", `/v1/tasks/${long.task_id}/cancel`, { mode: "hard" });
		expect(canceled.body.status).toBe("CANCELED");
	});
});

describe("external tasks", () => {
	it("are reported on with their token, no API key: start, progress, log, complete", async () => {
		const task = await create({ task_name: "ci.deploy", execution: "external", payload: { ref: "main" } });
		expect(task).toMatchObject({ status: "PENDING", execution: "external", token: expect.stringMatching(/^tpa_/) });
		const token = task.token as string;
		const path = `/v1/tasks/${task.task_id}`;
		expect((await call("POST", `${path}/start`, undefined, token)).body).toEqual({ cancel_requested: false, lease_expires_at: null });
		expect((await call("POST", `${path}/progress`, { percent: 50, message: "halfway" }, token)).status).toBe(200);
		expect((await call("POST", `${path}/log`, { message: "built image" }, token)).status).toBe(200);
		expect((await call("POST", `${path}/complete`, { result: { deployed: true } }, token)).status).toBe(200);
		expect(await waitFor(task.task_id, (t) => t.status === "COMPLETED")).toMatchObject({ result: { deployed: true } });
		expect((await call("POST", `${path}/heartbeat`, undefined, token)).status).toBe(409);
		expect((await call("POST", `${path}/heartbeat`, undefined, `${token}x`)).status).toBe(404);
	});
});
