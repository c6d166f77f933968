/** What a request may send: each limit is a clear 4xx problem, never a 5xx. */
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MAX_JSON_DEPTH } from "../src/api/json-depth";
import { expectProblem, send } from "./auth-helpers";

const nested = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;

function postRaw(path: string, body: string): Promise<Response> {
	return exports.default.fetch(`http://taskplane.test${path}`, { method: "POST", headers: { "content-type": "application/json" }, body });
}

describe("input limits", () => {
	it("accepts a payload nested up to the limit and refuses deeper ones with 422", async () => {
		const ok = await postRaw("/v1/tasks", `{"task_name":"demo.sleep","delay_seconds":3600,"payload":${nested(MAX_JSON_DEPTH - 1)}}`);
		expect(ok.status).toBe(202);
		const deep = await postRaw("/v1/tasks", `{"task_name":"demo.sleep","payload":${nested(MAX_JSON_DEPTH)}}`);
		await expectProblem(deep, 422, "VALIDATION_FAILED");
	});

	it("refuses a pathologically deep body without a stack overflow", async () => {
		await expectProblem(await postRaw("/v1/tasks", nested(100_000)), 422, "VALIDATION_FAILED");
		await expectProblem(await postRaw("/v1/tasks", '{"a":'.repeat(50_000)), 422, "VALIDATION_FAILED");
	});

	it("counts brackets inside strings as text", async () => {
		const res = await postRaw(
			"/v1/tasks",
			JSON.stringify({ task_name: "demo.sleep", delay_seconds: 3600, payload: { s: "[[[[".repeat(100) } }),
		);
		expect(res.status).toBe(202);
	});

	it("refuses bodies over 256 KiB with 413", async () => {
		const res = await postRaw("/v1/tasks", JSON.stringify({ task_name: "demo.sleep", payload: "x".repeat(256 * 1024) }));
		await expectProblem(res, 413, "PAYLOAD_TOO_LARGE");
	});

	it.each([
		["unknown field", { task_name: "demo.sleep", colour: "red" }],
		["too long task_name", { task_name: "a".repeat(201) }],
		[
			"too many metadata keys",
			{ task_name: "demo.sleep", metadata: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, "v"])) },
		],
		["metadata key with a dot", { task_name: "demo.sleep", metadata: { "a.b": "v" } }],
		["metadata key too long", { task_name: "demo.sleep", metadata: { ["k".repeat(65)]: "v" } }],
		["metadata value too long", { task_name: "demo.sleep", metadata: { k: "v".repeat(513) } }],
		["metadata value not a string", { task_name: "demo.sleep", metadata: { k: 1 } }],
		["namespace too long", { task_name: "demo.sleep", namespace: "n".repeat(65) }],
	])("refuses %s with 422 and names the field", async (_label, body) => {
		const problem = await expectProblem(await send("/v1/tasks", { body }), 422, "VALIDATION_FAILED");
		expect(problem).toHaveProperty("errors");
	});

	it("refuses unknown fields on every /v1 body", async () => {
		await expectProblem(
			await send("/v1/tasks/0193a0a0-0000-7000-8000-000000000000/cancel", { body: { mode: "soft", x: 1 } }),
			422,
			"VALIDATION_FAILED",
		);
		await expectProblem(await send("/v1/tasks/0193a0a0-0000-7000-8000-000000000000/retry", { body: { y: 1 } }), 422, "VALIDATION_FAILED");
		await expectProblem(await send("/v1/api-keys", { body: { name: "k", scopes: ["tasks:read"], z: 1 } }), 422, "VALIDATION_FAILED");
	});

	it("caps list limits at 100", async () => {
		await expectProblem(await send("/v1/messages?limit=101"), 422, "VALIDATION_FAILED");
		expect((await send("/v1/messages?limit=100")).status).toBe(200);
	});

	it("answers malformed JSON with 400", async () => {
		await expectProblem(await postRaw("/v1/tasks", "{not json"), 400, "BAD_REQUEST");
	});
});
