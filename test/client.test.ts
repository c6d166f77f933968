/**
 * taskplane/client against the app in workerd: its fetch is the Worker's own entry point, so
 * every answer (problem+json, 304, 429 with Retry-After, each terminal state) is the real one.
 */
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { pollDelays, TaskplaneClient, TaskplaneError, TaskplaneWaitTimeout } from "../src/client/client.mjs";
import { issueKey, uniqueTenant } from "./auth-helpers";

/** Each request the client sends, with the status it got. */
function appClient(apiKey?: string) {
	const seen: { method: string; path: string; status: number }[] = [];
	const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
		const req = new Request(input, init);
		const res = await exports.default.fetch(req);
		seen.push({ method: req.method, path: new URL(req.url).pathname, status: res.status });
		return res;
	};
	return { client: new TaskplaneClient({ baseUrl: "http://taskplane.test", apiKey, fetch }), seen };
}

/** An external task: it ends however its runner reports, through the token the create answers. */
async function external(client: TaskplaneClient) {
	const task = (await client.createTask({ task_name: "ci.deploy", execution: "external" })) as { task_id: string; token?: string };
	const report = (kind: string, body: unknown) => client.request("POST", `/v1/tasks/${task.task_id}/${kind}`, { body, bearer: task.token });
	return { id: task.task_id, report };
}

const fast = { initialDelayMs: 5, maxDelayMs: 20 };

describe("waitForTask", () => {
	it("waits 1 s, then ×1.5 each poll, up to 30 s", () => {
		const delays = pollDelays();
		const first = Array.from({ length: 12 }, () => delays.next().value);
		expect(first.slice(0, 4)).toEqual([1000, 1500, 2250, 3375]);
		expect(first.at(-1)).toBe(30_000);
		expect(first.every((d, i) => i === 0 || d >= (first[i - 1] ?? 0))).toBe(true);
	});

	it("ends on every terminal state and says which", async () => {
		const { client } = appClient();
		const completed = await external(client);
		await completed.report("complete", { result: { ok: true } });
		expect((await client.waitForTask(completed.id, fast)).status).toBe("COMPLETED");

		const partial = await external(client);
		await partial.report("complete", { result: {}, errors: [{ item: "row 7", message: "bad date" }] });
		const partialEnd = await client.waitForTask(partial.id, fast);
		expect(partialEnd.status).toBe("COMPLETED_WITH_ERRORS");
		expect(partialEnd.errors).toEqual([{ item: "row 7", message: "bad date" }]);

		const failed = await external(client);
		await failed.report("fail", { code: "DEPLOY_BROKE", message: "exit 1", retryable: false });
		const failedEnd = await client.waitForTask(failed.id, fast);
		expect([failedEnd.status, failedEnd.error_code]).toEqual(["FAILED", "DEPLOY_BROKE"]);

		const canceled = await external(client);
		await client.cancel(canceled.id, { mode: "hard" });
		expect((await client.waitForTask(canceled.id, fast)).status).toBe("CANCELED");
	});

	it("polls a live task with its ETag until the timeout, then says how it was last", async () => {
		const { client, seen } = appClient();
		const task = await external(client);
		const error = await client.waitForTask(task.id, { ...fast, timeoutMs: 100 }).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(TaskplaneWaitTimeout);
		expect((error as TaskplaneWaitTimeout).task.status).toBe("PENDING");
		const polls = seen.filter((r) => r.path === `/v1/tasks/${task.id}`);
		expect(polls.length).toBeGreaterThan(1);
		expect(polls.slice(1).every((r) => r.status === 304)).toBe(true);
	});

	it("stops when its signal aborts", async () => {
		const { client } = appClient();
		const task = await external(client);
		const controller = new AbortController();
		const waiting = client.waitForTask(task.id, { ...fast, signal: controller.signal });
		controller.abort(new Error("enough"));
		await expect(waiting).rejects.toThrow("enough");
	});
});

describe("watch", () => {
	it("follows the stream inside a Worker: a snapshot, the runner's progress and log, then the end", async () => {
		const { client } = appClient();
		const task = await external(client);
		const seen: string[] = [];
		const following = (async () => {
			for await (const event of client.watch(task.id)) {
				seen.push(event.event === "snapshot" ? `snapshot ${event.data.status}` : event.event);
				if (seen.length === 1) {
					await task.report("start", {});
					await task.report("progress", { percent: 50, message: "half" });
					await task.report("log", { message: "almost" });
					await task.report("complete", { result: { ok: true } });
				}
			}
		})();
		await following;
		expect(seen[0]).toBe("snapshot PENDING");
		expect(seen).toContain("progress");
		expect(seen).toContain("log");
		expect(seen.at(-1)).toBe("snapshot COMPLETED");
	});
});

describe("errors and retries", () => {
	it("maps an answer that is not problem+json (a proxy's 502) to HTTP_<status>", async () => {
		const proxy = async () => new Response("<html>Bad Gateway</html>", { status: 502, headers: { "content-type": "text/html" } });
		const client = new TaskplaneClient({ baseUrl: "http://taskplane.test", fetch: proxy });
		await expect(client.stats()).rejects.toMatchObject({ status: 502, code: "HTTP_502", errors: [], problem: null });
	});

	it("throws the problem+json as a TaskplaneError with its status, code and field errors", async () => {
		const { client } = appClient();
		const missing = await client.getTask("01936f6e-8b9a-7c3d-9e2f-0a1b2c3d4e5f").catch((e: unknown) => e);
		expect(missing).toBeInstanceOf(TaskplaneError);
		expect(missing).toMatchObject({ status: 404, code: "NOT_FOUND" });

		const invalid = (await client.createTask({ task_name: "demo.sleep", priority: 1.5 }).catch((e: unknown) => e)) as TaskplaneError;
		expect(invalid).toMatchObject({ status: 422, code: "VALIDATION_FAILED" });
		expect(invalid.errors.map((e) => e.path)).toContain("priority");
		expect(invalid.requestId).toBeTruthy();

		const done = await external(client);
		await done.report("complete", {});
		await expect(client.retry(done.id)).rejects.toMatchObject({ status: 409, code: "CONFLICT" });
	});

	it("retries a 429 after its Retry-After", async () => {
		const issued = await issueKey(uniqueTenant("sdk"), ["tasks:read"], { rate_limit: { per_second: 1, burst: 1 } });
		const { client, seen } = appClient(issued.key);
		await client.stats();
		await client.stats();
		expect(seen.map((r) => r.status)).toEqual([200, 429, 200]);
	});

	it("answers a 304 with the task it cached, and a changed task anew", async () => {
		const { client, seen } = appClient();
		const task = await external(client);
		const first = await client.getTask(task.id);
		expect(await client.getTask(task.id)).toEqual(first);
		await client.cancel(task.id, { mode: "hard" });
		expect((await client.getTask(task.id)).status).toBe("CANCELED");
		expect(seen.filter((r) => r.method === "GET").map((r) => r.status)).toEqual([200, 304, 200]);
	});

	it("sends an idempotency key: the same key returns the same task", async () => {
		const { client } = appClient();
		const key = crypto.randomUUID();
		const a = await client.createTask({ task_name: "ci.deploy", execution: "external" }, { idempotencyKey: key });
		const b = await client.createTask({ task_name: "ci.deploy", execution: "external" }, { idempotencyKey: key });
		expect(b.task_id).toBe(a.task_id);
	});
});
