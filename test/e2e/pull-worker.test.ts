/**
 * Real TaskplaneWorker processes against `wrangler dev`: one completes 200 pull tasks, each once;
 * a worker killed mid-task loses its lease and another worker completes the task.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { afterEach, expect, inject, it, vi } from "vitest";

const base = inject("baseUrl");
const children: ChildProcess[] = [];

afterEach(() => {
	for (const child of children.splice(0)) {
		child.kill("SIGKILL");
	}
});

interface Task {
	task_id: string;
	status: string;
	attempt: number;
	result: unknown;
	error_code: string | null;
}

async function call<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
	const res = await fetch(`${base}${path}`, {
		method,
		headers: body === undefined ? {} : { "content-type": "application/json" },
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	return { status: res.status, body: (await res.json()) as T };
}

async function createPull(namespace: string, n: number): Promise<Task> {
	const created = await call<Task>("POST", "/v1/tasks", { task_name: "e2e.echo", execution: "pull", namespace, payload: { n } });
	expect(created.status).toBe(202);
	return created.body;
}

/** Starts the fixture worker; `lines` collects what it prints. */
function startWorker(env: Record<string, string>): { child: ChildProcess; lines: string[] } {
	const child = spawn(process.execPath, ["test/e2e/fixtures/pull-worker.mjs"], {
		env: { ...process.env, TASKPLANE_URL: base, ...env },
		stdio: ["ignore", "pipe", "inherit"],
	});
	children.push(child);
	const lines: string[] = [];
	let rest = "";
	child.stdout?.on("data", (chunk: Buffer) => {
		const text = rest + chunk.toString();
		const parts = text.split("\n");
		rest = parts.pop() ?? "";
		lines.push(...parts);
	});
	return { child, lines };
}

it("a real TaskplaneWorker process completes 200 tasks, none twice", { timeout: 120_000 }, async () => {
	const namespace = `pull-${randomUUID().slice(0, 8)}`;
	const tasks: Task[] = [];
	for (let i = 0; i < 200; i += 20) {
		tasks.push(...(await Promise.all(Array.from({ length: 20 }, (_, j) => createPull(namespace, i + j)))));
	}
	const { child, lines } = startWorker({ NAMESPACE: namespace, CONCURRENCY: "20", WORKER_ID: "e2e-200", WAIT_SECONDS: "2" });

	await vi.waitFor(() => expect(lines.filter((l) => l.startsWith("done ")).length).toBeGreaterThanOrEqual(200), {
		timeout: 90_000,
		interval: 200,
	});
	const workers = await call<{ workers: { worker_id: string; polling: boolean }[] }>("GET", `/v1/workers?namespace=${namespace}`);
	expect(workers.body.workers.map((w) => w.worker_id)).toEqual(["e2e-200"]);
	child.kill("SIGTERM");
	const [code] = await once(child, "exit");
	expect(code).toBe(0);
	expect(lines.at(-1)).toBe("stopped");

	const done = lines.filter((l) => l.startsWith("done ")).map((l) => l.split(" ")[1]);
	expect(new Set(done).size).toBe(200);
	expect(done).toHaveLength(200);
	expect(new Set(done)).toEqual(new Set(tasks.map((t) => t.task_id)));
	// Each task's complete report has landed: COMPLETED, first attempt, its payload echoed.
	const finals = await Promise.all(tasks.map((t) => call<Task>("GET", `/v1/tasks/${t.task_id}`)));
	for (const [i, final] of finals.entries()) {
		expect(final.body).toMatchObject({ status: "COMPLETED", attempt: 1, result: { echo: { n: i } } });
	}
});

it("a worker killed mid-task loses its lease; another worker completes the task", { timeout: 60_000 }, async () => {
	const namespace = `kill-${randomUUID().slice(0, 8)}`;
	const task = await createPull(namespace, 1);
	const first = startWorker({ NAMESPACE: namespace, LEASE_SECONDS: "5", HANG: "1", WORKER_ID: "doomed", WAIT_SECONDS: "1" });
	await vi.waitFor(() => expect(first.lines).toContain(`claimed ${task.task_id}`), { timeout: 20_000, interval: 100 });
	first.child.kill("SIGKILL");
	await once(first.child, "exit");

	const rescuer = startWorker({ NAMESPACE: namespace, LEASE_SECONDS: "5", WORKER_ID: "rescuer" });
	const final = await vi.waitFor(
		async () => {
			const { body } = await call<Task>("GET", `/v1/tasks/${task.task_id}`);
			expect(body.status).toBe("COMPLETED");
			return body;
		},
		{ timeout: 45_000, interval: 250 },
	);
	// Usually attempt 2; attempt 3 when the killed worker's open long-poll took attempt 2 first:
	// wrangler dev does not tell the Worker that a client disconnected, so that claim is not
	// abandoned and attempt 2's lease must run out too.
	expect(final.attempt).toBeGreaterThanOrEqual(2);
	expect(final.result).toEqual({ echo: { n: 1 } });
	expect(rescuer.lines).toContain(`done ${task.task_id} ${final.attempt}`);
	const events = await call<{ events: { type: string; message: string; data: unknown }[] }>("GET", `/v1/tasks/${task.task_id}/events`);
	expect(JSON.stringify(events.body.events)).toContain("LEASE_EXPIRED");
});

it("cancelling a task aborts its handler's signal; the task ends CANCELED", { timeout: 60_000 }, async () => {
	const namespace = `cancel-${randomUUID().slice(0, 8)}`;
	const task = await createPull(namespace, 1);
	// A 6 s lease: a heartbeat every 2 s carries the cancel request to the handler.
	const worker = startWorker({ NAMESPACE: namespace, LEASE_SECONDS: "6", HANG: "1", WORKER_ID: "cancellable", WAIT_SECONDS: "1" });
	await vi.waitFor(() => expect(worker.lines).toContain(`claimed ${task.task_id}`), { timeout: 20_000, interval: 100 });
	expect((await call("POST", `/v1/tasks/${task.task_id}/cancel`, {})).status).toBe(200);
	const final = await vi.waitFor(
		async () => {
			const { body } = await call<Task>("GET", `/v1/tasks/${task.task_id}`);
			expect(body.status).toBe("CANCELED");
			return body;
		},
		{ timeout: 20_000, interval: 250 },
	);
	expect(final).toMatchObject({ attempt: 1, error_code: "CANCELED" });
});
