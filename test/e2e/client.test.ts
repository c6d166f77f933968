/**
 * taskplane/client and the `taskplane` command against `wrangler dev`, as a user runs them: the
 * client in this Node process, the CLI as `node bin/taskplane.mjs …` child processes.
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { describe, expect, inject, it, vi } from "vitest";
import { TaskplaneClient } from "../../src/client/client.mjs";

const base = inject("baseUrl");
const client = new TaskplaneClient({ baseUrl: base });
const fast = { initialDelayMs: 100, maxDelayMs: 500, timeoutMs: 60_000 };

/** Runs the CLI as a user types it; resolves with its exit code and output. */
async function cli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
	const child = spawn(process.execPath, ["bin/taskplane.mjs", ...args], { env: { ...process.env, TASKPLANE_URL: base } });
	let stdout = "";
	let stderr = "";
	child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
	child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
	const [code] = await once(child, "exit");
	return { code, stdout, stderr };
}

/** An external task that ends as its runner reports. */
async function external(namespace = "default") {
	const task = await client.createTask({ task_name: "ci.deploy", execution: "external", namespace });
	const report = (kind: string, body: unknown) => client.request("POST", `/v1/tasks/${task.task_id}/${kind}`, { body, bearer: task.token });
	return { id: task.task_id, report };
}

describe("the client", () => {
	it("create → waitForTask ends on each terminal state and says which", { timeout: 90_000 }, async () => {
		const completed = await client.createTask({ task_name: "demo.sleep", payload: { duration_seconds: 0 } });
		expect((await client.waitForTask(completed.task_id, fast)).status).toBe("COMPLETED");

		const partial = await external();
		await partial.report("complete", { result: { rows: 9 }, errors: [{ item: "row 3", message: "bad date" }] });
		expect((await client.waitForTask(partial.id, fast)).status).toBe("COMPLETED_WITH_ERRORS");

		const failed = await client.createTask({ task_name: "demo.fail", payload: { code: "E2E_FAIL", retryable: false } });
		const failedEnd = await client.waitForTask(failed.task_id, fast);
		expect([failedEnd.status, failedEnd.error_code]).toEqual(["FAILED", "E2E_FAIL"]);

		const canceled = await client.createTask({ task_name: "demo.sleep", payload: { duration_seconds: 60 } });
		await client.cancel(canceled.task_id, { mode: "hard" });
		expect((await client.waitForTask(canceled.task_id, fast)).status).toBe("CANCELED");
	});

	it("watch sees the progress, then the end", { timeout: 60_000 }, async () => {
		const task = await client.createTask({ task_name: "demo.sleep", payload: { duration_seconds: 3 } });
		const seen: string[] = [];
		for await (const event of client.watch(task.task_id)) {
			seen.push(event.event === "snapshot" ? `snapshot ${event.data.status}` : event.event);
		}
		expect(seen[0]).toMatch(/^snapshot /);
		expect(seen.at(-1)).toBe("snapshot COMPLETED");
		expect(seen.filter((e) => e === "progress").length).toBeGreaterThanOrEqual(2);
		expect(seen.lastIndexOf("progress")).toBeLessThan(seen.length - 1);
	});

	it("watch resumes a dropped stream with Last-Event-ID: nothing missed, nothing twice", { timeout: 60_000 }, async () => {
		const asked: (string | null)[] = [];
		let cut = false;
		// The first stream is cut after its first frame with an id, as a proxy dropping it would.
		const dropping = async (input: RequestInfo | URL, init?: RequestInit) => {
			const res = await fetch(input, init);
			if (!String(input).endsWith("/stream")) {
				return res;
			}
			asked.push(new Headers(init?.headers).get("last-event-id"));
			if (cut || !res.body) {
				return res;
			}
			cut = true;
			const reader = res.body.getReader();
			const decoder = new TextDecoder();
			const frames: string[] = [];
			const hasId = (frame: string) => /^id: /m.test(frame);
			let buffer = "";
			while (!frames.some(hasId)) {
				const { value, done } = await reader.read();
				if (done) {
					break;
				}
				const parts = (buffer + decoder.decode(value, { stream: true })).split("\n\n");
				buffer = parts.pop() ?? "";
				frames.push(...parts);
			}
			await reader.cancel();
			const kept = frames.slice(0, frames.findIndex(hasId) + 1);
			return new Response(kept.map((frame) => `${frame}\n\n`).join(""), { headers: res.headers });
		};
		const resuming = new TaskplaneClient({ baseUrl: base, fetch: dropping });
		const task = await client.createTask({ task_name: "demo.sleep", payload: { duration_seconds: 2 } });
		const ids: number[] = [];
		let resumedAfter: string | undefined;
		let last = "";
		for await (const event of resuming.watch(task.task_id)) {
			// Snapshots carry the id of the last event they include; transitions and log lines their own.
			if (event.event === "status" || event.event === "log") {
				ids.push(Number(event.id));
			} else if (event.event === "snapshot" && resumedAfter === undefined) {
				resumedAfter = event.id;
			}
			last = event.event === "snapshot" ? event.data.status : last;
		}
		expect(last).toBe("COMPLETED");
		expect(asked.length).toBeGreaterThanOrEqual(2);
		expect(asked[0]).toBeNull();
		expect(asked[1]).toBe(resumedAfter);
		const stored = (await client.events(task.task_id)).map((e) => e.seq).filter((seq) => seq > Number(resumedAfter));
		expect(ids).toEqual(stored);
	});

	it("listTasks pages through 250 tasks, each exactly once", { timeout: 120_000 }, async () => {
		const namespace = `e2e-list-${randomUUID().slice(0, 8)}`;
		const created: string[] = [];
		for (let batch = 0; batch < 10; batch++) {
			const tasks = await Promise.all(Array.from({ length: 25 }, () => external(namespace)));
			created.push(...tasks.map((t) => t.id));
		}
		// Lists read the history, which may trail a creation by a few seconds.
		await vi.waitFor(async () => expect((await client.listTasksPage({ namespace, limit: 1 })).total).toBe(250), {
			timeout: 30_000,
			interval: 500,
		});
		const listed: string[] = [];
		for await (const task of client.listTasks({ namespace, limit: 100 })) {
			listed.push(task.task_id);
		}
		expect(listed).toHaveLength(250);
		expect(new Set(listed)).toEqual(new Set(created));
	});
});

describe("the taskplane command", () => {
	it("lists tasks as JSON for scripts", async () => {
		const namespace = `e2e-cli-${randomUUID().slice(0, 8)}`;
		const task = await external(namespace);
		await vi.waitFor(async () => expect((await client.listTasksPage({ namespace })).total).toBe(1), { timeout: 30_000 });
		const run = await cli("tasks", "list", "--json", "--namespace", namespace);
		expect(run.code, run.stderr).toBe(0);
		expect(JSON.parse(run.stdout).map((t: { task_id: string }) => t.task_id)).toEqual([task.id]);
		const table = await cli("tasks", "list", "--namespace", namespace);
		expect(table.stdout).toMatch(/^TASK_ID\s+TASK_NAME\s+STATUS/);
		expect(table.stdout).toContain(task.id);
	});

	it("watches a running task to COMPLETED and exits 0", { timeout: 60_000 }, async () => {
		const task = await client.createTask({ task_name: "demo.sleep", payload: { duration_seconds: 4 } });
		await vi.waitFor(async () => expect((await client.getTask(task.task_id)).status).toBe("PROCESSING"), { timeout: 30_000 });
		const run = await cli("tasks", "watch", task.task_id);
		expect(run.code, run.stderr).toBe(0);
		expect(run.stdout).toMatch(/PROCESSING \d+% slept/);
		expect(run.stdout).toMatch(/status:\s+COMPLETED\n/);
	});

	it("creates and waits with exit codes a script can use: 1 FAILED, 2 COMPLETED_WITH_ERRORS, 3 an error", { timeout: 60_000 }, async () => {
		const failed = await cli("tasks", "create", "demo.fail", "--payload", '{"retryable":false}', "--wait");
		expect(failed.code, failed.stderr).toBe(1);
		expect(failed.stdout).toMatch(/status:\s+FAILED/);

		const partial = await external();
		await partial.report("complete", { errors: [{ message: "one item failed" }] });
		const waited = await cli("tasks", "wait", partial.id, "--json");
		expect(waited.code, waited.stderr).toBe(2);
		expect(JSON.parse(waited.stdout).status).toBe("COMPLETED_WITH_ERRORS");

		const unknown = await cli("tasks", "get", randomUUID());
		expect(unknown.code).toBe(3);
		expect(unknown.stderr).toContain("404 NOT_FOUND");
		const unknownJson = await cli("--json", "tasks", "get", randomUUID());
		expect(unknownJson.code).toBe(3);
		expect(JSON.parse(unknownJson.stderr)).toMatchObject({ status: 404, code: "NOT_FOUND" });

		const usage = await cli("tasks", "create");
		expect(usage.code).toBe(64);
		// Bad settings are usage errors too, not failed requests.
		const badUrl = await cli("--url", "notaurl", "tasks", "list");
		expect(badUrl.code).toBe(64);
		expect(badUrl.stderr).toContain("not a URL");
		const badTimeout = await cli("tasks", "wait", partial.id, "--timeout", "-1");
		expect(badTimeout.code).toBe(64);

		// `keys list --tenant`: the only way the ADMIN_TOKEN can list keys (it must name a tenant);
		// a tenant's own admin (here the keyless dev tenant) may name itself.
		const keys = await cli("--json", "keys", "list", "--tenant", "dev");
		expect(keys.code, keys.stderr).toBe(0);
		expect(Array.isArray(JSON.parse(keys.stdout))).toBe(true);
	});

	it("runs a module's handlers as a pull worker until SIGTERM", { timeout: 60_000 }, async () => {
		const namespace = `e2e-worker-${randomUUID().slice(0, 8)}`;
		const args = [
			"bin/taskplane.mjs",
			"worker",
			"--module",
			"test/e2e/fixtures/cli-handlers.mjs",
			"--namespace",
			namespace,
			"--wait-seconds",
			"2",
		];
		const worker = spawn(process.execPath, args, { env: { ...process.env, TASKPLANE_URL: base }, stdio: "inherit" });
		try {
			const task = await client.createTask({ task_name: "e2e.shout", execution: "pull", namespace, payload: { text: "hi" } });
			const done = await client.waitForTask(task.task_id, fast);
			expect([done.status, done.result]).toEqual(["COMPLETED", { shouted: "HI" }]);
		} finally {
			worker.kill("SIGTERM");
		}
		const [code] = await once(worker, "exit");
		expect(code).toBe(0);
	});

	it("cancels (wait then exits 1), retries and lists events", { timeout: 60_000 }, async () => {
		const task = await external();
		const canceled = await cli("--json", "tasks", "cancel", task.id, "--hard");
		expect(JSON.parse(canceled.stdout).status).toBe("CANCELED");
		const waited = await cli("tasks", "wait", task.id);
		expect(waited.code, waited.stderr).toBe(1);
		const retried = await cli("--json", "tasks", "retry", task.id);
		expect(JSON.parse(retried.stdout).status).toBe("PENDING");
		const events = await cli("tasks", "events", task.id);
		expect(events.code, events.stderr).toBe(0);
		expect(events.stdout).toMatch(/CANCELED/);
	});
});
