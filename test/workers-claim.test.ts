/**
 * Pull workers through the API: a claim takes the namespace's ready pull tasks highest priority
 * first, within `max` and max_concurrency; a held claim answers when a task arrives; the claimed
 * token reports; a tasks:work key claims but cannot create; a lease that runs out fails the
 * attempt and frees its slot.
 */
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { namespaceStub } from "../src/dispatch";
import type { WorkerInfo } from "../src/dispatch/workers";
import type { AttemptLease } from "../src/execute/protocol";
import type { Task } from "../src/task/task";
import { issueKey, send } from "./auth-helpers";
import { api, createTask, fireAlarmsUntil, holdQueue, postJson, readTask, TENANT, taskEvents, taskStub } from "./helpers";

vi.setConfig({ testTimeout: 60_000 });
afterEach(() => vi.restoreAllMocks());

const uniqueNs = (prefix: string) => `${prefix}-${crypto.randomUUID().slice(0, 8)}`;

async function claim(body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<AttemptLease[]> {
	const res = await postJson("/v1/workers/claim", body, headers);
	expect(res.status, await res.clone().text()).toBe(200);
	return (await res.json<{ tasks: AttemptLease[] }>()).tasks;
}

function createPull(ns: string, extra: Record<string, unknown> = {}): Promise<Task> {
	return createTask({ task_name: "images.resize", execution: "pull", namespace: ns, ...extra });
}

/** Creation answers before its offer lands; claims only see a task once it has. */
async function readyCount(ns: string, n: number): Promise<void> {
	await vi.waitFor(
		async () => {
			const status = await (await api(`/v1/namespaces/${ns}`)).json<{ ready: number }>();
			expect(status.ready).toBe(n);
		},
		{ timeout: 10_000, interval: 20 },
	);
}

function report(lease: AttemptLease, kind: string, body: unknown = {}): Promise<Response> {
	return postJson(`/v1/tasks/${lease.task_id}/${kind}`, body, { authorization: `Bearer ${lease.token}` });
}

async function workers(ns: string): Promise<WorkerInfo[]> {
	const res = await api(`/v1/workers?namespace=${ns}`);
	expect(res.status).toBe(200);
	return (await res.json<{ workers: WorkerInfo[] }>()).workers;
}

describe("claim", () => {
	it("takes the highest priority first, at most `max`, each PROCESSING with its token and lease", async () => {
		holdQueue();
		const ns = uniqueNs("prio");
		const low = await createPull(ns, { priority: 0, payload: { n: 0 } });
		const high = await createPull(ns, { priority: 9, payload: { n: 9 } });
		const mid = await createPull(ns, { priority: 5, payload: { n: 5 } });
		await readyCount(ns, 3);

		const first = await claim({ namespace: ns, max: 2, worker_id: "w-1" });
		expect(first.map((t) => t.task_id)).toEqual([high.task_id, mid.task_id]);
		expect(first[0]).toMatchObject({ task_name: "images.resize", attempt: 1, payload: { n: 9 }, namespace: ns });
		expect(first[0]?.token).toMatch(/^tpa_/);
		expect(Date.parse(first[0]?.lease_expires_at ?? "")).toBeGreaterThan(Date.now());
		expect((await readTask(taskStub(high.task_id)))?.status).toBe("PROCESSING");

		expect((await claim({ namespace: ns, max: 2 })).map((t) => t.task_id)).toEqual([low.task_id]);
		expect(await claim({ namespace: ns })).toEqual([]);
	});

	it("claims only the task names asked for", async () => {
		holdQueue();
		const ns = uniqueNs("names");
		const other = await createTask({ task_name: "video.encode", execution: "pull", namespace: ns });
		const wanted = await createPull(ns);
		await readyCount(ns, 2);
		expect((await claim({ namespace: ns, max: 10, task_names: ["images.resize"] })).map((t) => t.task_id)).toEqual([wanted.task_id]);
		expect((await claim({ namespace: ns, max: 10, task_names: ["video.encode"] })).map((t) => t.task_id)).toEqual([other.task_id]);
	});

	it("holds max_concurrency: a slot frees when a claimed task completes", async () => {
		holdQueue();
		const ns = uniqueNs("limit");
		expect(
			(
				await api(`/v1/namespaces/${ns}`, {
					method: "PUT",
					headers: { "content-type": "application/json" },
					body: JSON.stringify({ max_concurrency: 2 }),
				})
			).status,
		).toBe(200);
		for (let i = 0; i < 3; i++) {
			await createPull(ns);
		}
		await readyCount(ns, 3);
		const running = await claim({ namespace: ns, max: 10 });
		expect(running).toHaveLength(2);
		expect(await claim({ namespace: ns, max: 10 })).toEqual([]);

		const done = await report(running[0] as AttemptLease, "complete", { result: { ok: true } });
		expect(done.status, await done.clone().text()).toBe(200);
		const third = await vi.waitFor(
			async () => {
				const tasks = await claim({ namespace: ns, max: 10 });
				expect(tasks).toHaveLength(1);
				return tasks;
			},
			{ timeout: 10_000, interval: 20 },
		);
		expect(third[0]?.task_id).not.toBe(running[1]?.task_id);
	});

	it("long-polls: a held claim answers as soon as a task arrives", async () => {
		holdQueue();
		const ns = uniqueNs("poll");
		const held = claim({ namespace: ns, worker_id: "poller", wait_seconds: 30 });
		await vi.waitFor(async () => expect(await workers(ns)).toMatchObject([{ worker_id: "poller", polling: true }]), {
			timeout: 10_000,
			interval: 20,
		});
		const task = await createPull(ns);
		expect((await held).map((t) => t.task_id)).toEqual([task.task_id]);
	});

	it("an abandoned claim (its worker disconnected) answers empty and leaves the next task for others", async () => {
		holdQueue();
		const ns = uniqueNs("gone");
		const stub = namespaceStub(env, TENANT, ns);
		const request = { tenant: TENANT, namespace: ns, worker_id: "gone", claim_id: crypto.randomUUID(), max: 1, lease_ms: 60_000 };
		const held = stub.claim({ ...request, wait_ms: 30_000 });
		await vi.waitFor(async () => expect(await workers(ns)).toMatchObject([{ worker_id: "gone", polling: true }]));
		await stub.abandonClaim(request.claim_id);
		expect(await held).toEqual({ tasks: [] });
		const task = await createPull(ns);
		await readyCount(ns, 1);
		expect((await claim({ namespace: ns })).map((t) => t.task_id)).toEqual([task.task_id]);
	});

	it("claims nothing while the namespace is paused; a held claim answers when it resumes", async () => {
		holdQueue();
		const ns = uniqueNs("paused");
		const admin = (path: string, method: string, body?: unknown) =>
			api(path, { method, headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
		expect((await admin(`/v1/namespaces/${ns}`, "PUT", { paused: true })).status).toBe(200);
		const task = await createPull(ns);
		await readyCount(ns, 1);
		expect(await claim({ namespace: ns })).toEqual([]);
		expect((await api(`/v1/tasks/${task.task_id}`).then((r) => r.json<{ waiting: unknown }>())).waiting).toMatchObject({
			reason: "paused",
		});

		const held = claim({ namespace: ns, worker_id: "patient", wait_seconds: 30 });
		await vi.waitFor(async () =>
			expect(await workers(ns)).toEqual(expect.arrayContaining([expect.objectContaining({ worker_id: "patient", polling: true })])),
		);
		expect((await admin(`/v1/namespaces/${ns}/resume`, "POST")).status).toBe(200);
		expect((await held).map((t) => t.task_id)).toEqual([task.task_id]);
	});

	it("answers an empty list once wait_seconds pass with nothing ready", async () => {
		const tasks = await claim({ namespace: uniqueNs("empty"), wait_seconds: 0.05 });
		expect(tasks).toEqual([]);
	});

	it("refuses a bad claim with 422 and every field named", async () => {
		const res = await postJson("/v1/workers/claim", { max: 101, wait_seconds: 31, lease_seconds: 1, nope: true });
		expect(res.status).toBe(422);
		const problem = await res.json<{ errors: { path: string }[] }>();
		expect(problem.errors.map((e) => e.path).sort()).toEqual(expect.arrayContaining(["lease_seconds", "max", "wait_seconds"]));
	});
});

describe("a claimed attempt", () => {
	it("reports with its token: progress, then complete; the worker is listed with what it runs", async () => {
		holdQueue();
		const ns = uniqueNs("report");
		const task = await createPull(ns);
		await readyCount(ns, 1);
		const [lease] = await claim({ namespace: ns, worker_id: "resizer-1", task_names: ["images.resize"] });
		expect(lease?.task_id).toBe(task.task_id);
		expect(await workers(ns)).toMatchObject([{ worker_id: "resizer-1", task_names: ["images.resize"], running: 1, polling: false }]);

		expect((await report(lease as AttemptLease, "progress", { percent: 50 })).status).toBe(200);
		const res = await report(lease as AttemptLease, "complete", { result: { width: 100 } });
		expect(res.status, await res.clone().text()).toBe(200);
		const done = await readTask(taskStub(task.task_id));
		expect(done).toMatchObject({ status: "COMPLETED", result: { width: 100 } });
		await vi.waitFor(async () => expect(await workers(ns)).toMatchObject([{ worker_id: "resizer-1", running: 0 }]));
		const status = await (await api(`/v1/namespaces/${ns}`)).json();
		expect(status).toMatchObject({ ready: 0, running: 0 });
	});

	it("fails with LEASE_EXPIRED when its lease runs out, and frees its slot for the next claim", async () => {
		holdQueue();
		const ns = uniqueNs("lease");
		const task = await createPull(ns, { max_retries: 1 });
		await readyCount(ns, 1);
		const [lease] = await claim({ namespace: ns, lease_seconds: 5 });
		expect(lease?.task_id).toBe(task.task_id);

		const stub = taskStub(task.task_id);
		const after = await fireAlarmsUntil(stub, (t) => t?.status !== "PROCESSING", 10);
		expect(after).toMatchObject({ status: "SCHEDULED", error_code: "LEASE_EXPIRED", attempt: 2, retry_count: 1 });
		await vi.waitFor(async () => expect(await (await api(`/v1/namespaces/${ns}`)).json()).toMatchObject({ running: 0 }), {
			timeout: 10_000,
			interval: 20,
		});
		expect((await report(lease as AttemptLease, "heartbeat")).status).toBe(409);

		// Past its backoff the task offers its next attempt, and the next claim takes it with a new token.
		await fireAlarmsUntil(stub, (t) => t?.status === "PENDING", 10);
		await readyCount(ns, 1);
		const [again] = await claim({ namespace: ns });
		expect(again).toMatchObject({ task_id: task.task_id, attempt: 2 });
		expect(again?.token).not.toBe(lease?.token);
		const events = await taskEvents(task.task_id);
		expect(events.some((e) => JSON.stringify(e).includes("LEASE_EXPIRED"))).toBe(true);
	});
});

describe("the tasks:work scope", () => {
	it("claims and reports, but may not create, read or cancel tasks", async () => {
		holdQueue();
		const tenant = `work-${crypto.randomUUID().slice(0, 8)}`;
		const writer = await issueKey(tenant, ["tasks:write"]);
		const worker = await issueKey(tenant, ["tasks:work"]);
		const created = await send("/v1/tasks", { key: writer.key, body: { task_name: "images.resize", execution: "pull" } });
		expect(created.status).toBe(202);
		const task = await created.json<Task>();

		const refused = await send("/v1/tasks", { key: worker.key, body: { task_name: "images.resize", execution: "pull" } });
		expect(refused.status).toBe(403);
		expect((await send(`/v1/tasks/${task.task_id}`, { key: worker.key })).status).toBe(403);
		expect((await send(`/v1/tasks/${task.task_id}/cancel`, { key: worker.key, body: {} })).status).toBe(403);

		const leases = await vi.waitFor(
			async () => {
				const res = await send("/v1/workers/claim", { key: worker.key, body: { worker_id: "scoped" } });
				expect(res.status).toBe(200);
				const { tasks } = await res.json<{ tasks: AttemptLease[] }>();
				expect(tasks).toHaveLength(1);
				return tasks;
			},
			{ timeout: 10_000, interval: 20 },
		);
		expect(leases[0]?.task_id).toBe(task.task_id);
		const done = await send(`/v1/tasks/${task.task_id}/complete`, { key: leases[0]?.token, body: { result: 1 } });
		expect(done.status).toBe(200);
		const read = await send(`/v1/tasks/${task.task_id}`, { key: writer.key });
		expect(await read.json()).toMatchObject({ status: "COMPLETED", result: 1 });
	});
});
