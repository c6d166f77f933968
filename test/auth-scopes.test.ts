import { describe, expect, it } from "vitest";
import { grants, requiredScope, type Scope } from "../src/auth/scopes";
import { expectProblem, issueKey, send, uniqueTenant } from "./auth-helpers";

describe("requiredScope", () => {
	it.each([
		["GET", "/v1/tasks/abc", "tasks:read"],
		["HEAD", "/v1/tasks", "tasks:read"],
		["POST", "/v1/tasks", "tasks:write"],
		["POST", "/v1/tasks/abc/cancel", "tasks:write"],
		["POST", "/v1/tasks/abc/retry", "tasks:write"],
		["POST", "/v1/tasks/list", "tasks:read"],
		["POST", "/v1/tasks/abc/kill", "tasks:write"],
		["GET", "/api/tasks/stats", "tasks:read"],
		["POST", "/api/tasks/abc/stop/", "tasks:write"],
		["POST", "/tasks/", "tasks:write"],
		["GET", "/metrics", "tasks:read"],
		["GET", "/v1/api-keys", "admin"],
		["POST", "/v1/api-keys", "admin"],
		["DELETE", "/v1/api-keys/abc", "admin"],
		["GET", "/v1/signing-secret", "admin"],
		["POST", "/v1/signing-secret/rotate", "admin"],
	] as const)("%s %s needs %s", (method, path, scope) => {
		expect(requiredScope(method, path)).toBe(scope);
	});

	it.each([
		[["admin"], "tasks:write", true],
		[["admin"], "tasks:read", true],
		[["tasks:write"], "tasks:read", true],
		[["tasks:write"], "admin", false],
		[["tasks:read"], "tasks:write", false],
		[["tasks:read", "tasks:write"], "admin", false],
	] as [Scope[], Scope, boolean][])("%j grants %s: %s", (held, needed, expected) => {
		expect(grants(held, needed)).toBe(expected);
	});
});

describe("scopes over HTTP", () => {
	it("a read-only key reads but cannot create, cancel, retry or manage keys", async () => {
		const tenant = uniqueTenant("scopes");
		const writer = await issueKey(tenant, ["tasks:write"]);
		const reader = await issueKey(tenant, ["tasks:read"]);
		const created = await send("/v1/tasks", { key: writer.key, body: { task_name: "demo.sleep", delay_seconds: 3600 } });
		const { task_id } = await created.json<{ task_id: string }>();

		expect((await send(`/v1/tasks/${task_id}`, { key: reader.key })).status).toBe(200);
		expect((await send(`/v1/tasks/${task_id}/events`, { key: reader.key })).status).toBe(200);
		await expectProblem(await send("/v1/tasks", { key: reader.key, body: { task_name: "demo.sleep" } }), 403, "FORBIDDEN");
		await expectProblem(await send(`/v1/tasks/${task_id}/cancel`, { key: reader.key, body: {} }), 403, "FORBIDDEN");
		await expectProblem(await send(`/v1/tasks/${task_id}/retry`, { key: reader.key, body: {} }), 403, "FORBIDDEN");
		await expectProblem(await send("/v1/api-keys", { key: reader.key }), 403, "FORBIDDEN");
		await expectProblem(await send("/v1/api-keys", { key: writer.key, body: { name: "x", scopes: ["admin"] } }), 403, "FORBIDDEN");

		const task = await (await send(`/v1/tasks/${task_id}`, { key: reader.key })).json<{ status: string }>();
		expect(task.status).toBe("SCHEDULED");
		expect((await send(`/v1/tasks/${task_id}/cancel`, { key: writer.key, body: {} })).status).toBe(200);
	});

	it("an encoded or dotted path to the keys routes still needs admin", async () => {
		const writer = await issueKey(uniqueTenant("scopes"), ["tasks:write"]);
		for (const path of ["/v1/%61pi-keys", "/v1/api-keys/", "/v1/./api-keys", "/v1/x/../api-keys", "/v1/tasks/../api-keys"]) {
			await expectProblem(await send(path, { key: writer.key }), 403, "FORBIDDEN");
			await expectProblem(await send(path, { key: writer.key, body: { name: "x", scopes: ["admin"] } }), 403, "FORBIDDEN");
		}
	});
});
