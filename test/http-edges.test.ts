/** HTTP as the RFCs and real clients have it: header bytes, ETags, id case, content codings. */
import { describe, expect, it } from "vitest";
import { idempotentTaskId } from "../src/task/ids";
import type { Task } from "../src/task/task";
import { api, createTask, expectProblem, postJson, TENANT } from "./helpers";

describe("header values", () => {
	it.each(["café-S", "cafè-S", "caf\u00ff-S"])(
		"an Idempotency-Key outside printable ASCII (%s) is a 422 and stores nothing",
		async (key) => {
			const body = { task_name: "demo.sleep", delay_seconds: 3600 };
			const problem = await expectProblem(await postJson("/v1/tasks", body, { "Idempotency-Key": key }), 422, "VALIDATION_FAILED");
			expect(problem.errors).toEqual([{ path: "Idempotency-Key", message: expect.stringContaining("printable ASCII") }]);
			await expectProblem(await api(`/v1/tasks/${await idempotentTaskId(TENANT, key)}`), 404, "NOT_FOUND");
		},
	);

	it("two ASCII keys that differ in one character are two tasks", async () => {
		const suffix = crypto.randomUUID();
		const body = { task_name: "demo.sleep", delay_seconds: 3600 };
		const first = await createTask(body, { "Idempotency-Key": `cafe-S-${suffix}` });
		const second = await createTask({ ...body, priority: 1 }, { "Idempotency-Key": `cafE-S-${suffix}` });
		expect(second.task_id).not.toBe(first.task_id);
	});

	it("an X-Namespace outside printable ASCII is a 422, not a filter on a mangled name", async () => {
		const res = await api("/v1/tasks/list", { method: "POST", headers: { "X-Namespace": "équipe" } });
		const problem = await expectProblem(res, 422, "VALIDATION_FAILED");
		expect(problem.errors?.map((e) => e.path)).toEqual(["X-Namespace"]);
	});
});

describe("conditional GET", () => {
	it("If-None-Match: * on an existing task is a 304 (RFC 9110 § 13.1.2); on an unknown one, 404", async () => {
		const task = await createTask({ task_name: "demo.sleep", delay_seconds: 3600 });
		const res = await api(`/v1/tasks/${task.task_id}`, { headers: { "If-None-Match": "*" } });
		expect(res.status).toBe(304);
		expect(res.headers.get("etag")).toBe(`"${task.version}"`);
		const stale = await api(`/v1/tasks/${task.task_id}`, { headers: { "If-None-Match": `"${task.version + 1}", W/"0"` } });
		expect(stale.status).toBe(200);
		const unknown = await idempotentTaskId(TENANT, `unknown-${crypto.randomUUID()}`);
		await expectProblem(await api(`/v1/tasks/${unknown}`, { headers: { "If-None-Match": "*" } }), 404, "NOT_FOUND");
	});
});

describe("task ids compare case-insensitively (RFC 9562)", () => {
	it("an upper-case id names the same task on every route", async () => {
		const task = await createTask({ task_name: "demo.sleep", delay_seconds: 3600 });
		const upper = task.task_id.toUpperCase();
		const got = await api(`/v1/tasks/${upper}`);
		expect(got.status).toBe(200);
		expect((await got.json<Task>()).task_id).toBe(task.task_id);
		expect((await api(`/v1/tasks/${upper}/events`)).status).toBe(200);
		expect((await api(`/api/tasks/${upper}`)).status).toBe(200);
		expect((await api(`/tasks/${upper}`)).status).toBe(200);
		const canceled = await postJson(`/v1/tasks/${upper}/cancel`, { mode: "hard" });
		expect(canceled.status).toBe(200);
		expect(await canceled.json<Task>()).toMatchObject({ task_id: task.task_id, status: "CANCELED" });
		const retried = await postJson(`/v1/tasks/${upper}/retry`, {});
		expect(retried.status).toBe(200);
	});
});

describe("content codings", () => {
	it("a gzip-encoded body is a 415 naming the coding, with Accept-Encoding: identity, and creates nothing", async () => {
		const namespace = `gzip-${crypto.randomUUID().slice(0, 8)}`;
		const json = JSON.stringify({ task_name: "demo.sleep", namespace });
		const gzipped = await new Response(new Blob([json]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer();
		const res = await api("/v1/tasks", {
			method: "POST",
			headers: { "content-type": "application/json", "content-encoding": "gzip" },
			body: gzipped,
		});
		const problem = await expectProblem(res, 415, "UNSUPPORTED_MEDIA_TYPE");
		expect(problem.detail).toContain("gzip");
		expect(res.headers.get("accept-encoding")).toBe("identity");
		const list = await (await api(`/v1/tasks?namespace=${namespace}`)).json<{ total: number }>();
		expect(list.total).toBe(0);
	});

	it("Content-Encoding: identity is the body as sent", async () => {
		const res = await postJson("/v1/tasks", { task_name: "demo.sleep", delay_seconds: 3600 }, { "content-encoding": "identity" });
		expect(res.status).toBe(202);
	});
});
