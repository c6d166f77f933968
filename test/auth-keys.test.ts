import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { revokeApiKey } from "../src/history/api-keys";
import { historyDb } from "../src/history/db";
import { KEY_CACHE_TTL_MS, verifyKey } from "../src/services/api-keys";
import { ADMIN_TOKEN, expectProblem, issueKey, send, uniqueTenant } from "./auth-helpers";

describe("API key lifecycle", () => {
	it("shows the secret once, stores only its hash, and lists keys without secrets", async () => {
		const tenant = uniqueTenant("acme");
		const res = await send("/v1/api-keys", { key: ADMIN_TOKEN, body: { tenant, name: "ci", scopes: ["tasks:write"] } });
		expect(res.status).toBe(201);
		const created = await res.json<{ id: string; key: string; prefix: string; scopes: string[]; tenant: string }>();
		expect(created.key).toMatch(/^tp_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
		expect(created.key.startsWith(`tp_${created.prefix}_`)).toBe(true);
		expect(res.headers.get("location")).toBe(`/v1/api-keys/${created.id}`);
		expect(created).toMatchObject({ tenant, scopes: ["tasks:write"] });

		const row = await env.DB.prepare("SELECT * FROM api_keys WHERE id = ?").bind(created.id).first<Record<string, unknown>>();
		// The secret is base64url and may itself contain "_": it is everything after the prefix.
		expect(JSON.stringify(row)).not.toContain(created.key.slice(`tp_${created.prefix}_`.length));
		expect(row?.hash).toMatch(/^[0-9a-f]{64}$/);

		const list = await send(`/v1/api-keys?tenant=${tenant}`, { key: ADMIN_TOKEN });
		const text = await list.text();
		expect(list.status).toBe(200);
		expect(text).not.toContain(created.key.slice(`tp_${created.prefix}_`.length));
		expect(text).not.toContain("hash");
		const { api_keys } = JSON.parse(text) as { api_keys: { id: string; key?: string }[] };
		expect(api_keys.map((k) => k.id)).toEqual([created.id]);
		expect(api_keys[0]?.key).toBeUndefined();
	});

	it("runs a request as the key's tenant and records its use", async () => {
		const issued = await issueKey(uniqueTenant("acme"), ["tasks:read", "tasks:write"], { name: "deploy-bot" });
		const created = await send("/v1/tasks", { key: issued.key, body: { task_name: "demo.sleep", delay_seconds: 3600 } });
		expect(created.status).toBe(202);
		const task = await created.json<{ task_id: string; created_by: string }>();
		expect(task.created_by).toBe("deploy-bot");
		expect((await send(`/v1/tasks/${task.task_id}`, { key: issued.key })).status).toBe(200);
		// The keyless dev tenant is another tenant: it cannot see the key's task.
		expect((await send(`/v1/tasks/${task.task_id}`)).status).toBe(404);
		await vi.waitFor(async () => {
			const list = await send(`/v1/api-keys?tenant=${issued.tenant}`, { key: ADMIN_TOKEN });
			const { api_keys } = await list.json<{ api_keys: { last_used_at: string | null }[] }>();
			expect(api_keys[0]?.last_used_at).not.toBeNull();
		});
	});

	it("revokes a key: refused at once on this instance", async () => {
		const issued = await issueKey(uniqueTenant("acme"));
		expect((await send("/v1/messages", { key: issued.key })).status).toBe(200);
		const revoked = await send(`/v1/api-keys/${issued.id}`, { method: "DELETE", key: ADMIN_TOKEN });
		expect(revoked.status).toBe(200);
		expect((await revoked.json<{ revoked_at: string | null }>()).revoked_at).not.toBeNull();
		await expectProblem(await send("/v1/messages", { key: issued.key }), 401, "UNAUTHORIZED");
	});

	it("a key revoked through another instance stops working here once its cache entry expires", async () => {
		const issued = await issueKey(uniqueTenant("acme"));
		const ctx = createExecutionContext();
		const now = Date.now();
		await verifyKey(env, ctx, issued.key, now);
		// Another isolate revokes: this one's cache is untouched.
		await revokeApiKey(historyDb(env.DB), null, issued.id, now);
		await expect(verifyKey(env, ctx, issued.key, now + KEY_CACHE_TTL_MS - 1)).resolves.toMatchObject({ id: issued.id });
		await expect(verifyKey(env, ctx, issued.key, now + KEY_CACHE_TTL_MS)).rejects.toMatchObject({ code: "UNAUTHORIZED" });
		await waitOnExecutionContext(ctx);
	});

	it("refuses bad, unknown and malformed keys with 401", async () => {
		const issued = await issueKey(uniqueTenant("acme"));
		const tampered = `${issued.key.slice(0, -1)}${issued.key.endsWith("A") ? "B" : "A"}`;
		for (const header of [
			`Bearer ${tampered}`,
			"Bearer tp_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
			"Bearer nope",
			"Basic dXNlcjpwYXNz",
			"Bearer",
		]) {
			const res = await send("/v1/messages", { headers: { authorization: header } });
			await expectProblem(res, 401, "UNAUTHORIZED");
			expect(res.headers.get("www-authenticate")).toContain("Bearer");
		}
	});

	it("lets an admin key manage its own tenant's keys only", async () => {
		const tenant = uniqueTenant("acme");
		const admin = await issueKey(tenant, ["admin"]);
		const other = await issueKey(uniqueTenant("other"));
		const made = await send("/v1/api-keys", { key: admin.key, body: { name: "reader", scopes: ["tasks:read"] } });
		expect(made.status).toBe(201);
		expect((await made.json<{ tenant: string }>()).tenant).toBe(tenant);
		await expectProblem(
			await send("/v1/api-keys", { key: admin.key, body: { name: "x", scopes: ["admin"], tenant: other.tenant } }),
			403,
			"FORBIDDEN",
		);
		await expectProblem(await send(`/v1/api-keys?tenant=${other.tenant}`, { key: admin.key }), 403, "FORBIDDEN");
		await expectProblem(await send(`/v1/api-keys/${other.id}`, { method: "DELETE", key: admin.key }), 404, "NOT_FOUND");
		expect((await send("/v1/messages", { key: other.key })).status).toBe(200);
		const { api_keys } = await (await send("/v1/api-keys", { key: admin.key })).json<{ api_keys: { tenant: string }[] }>();
		expect(api_keys).toHaveLength(2);
		expect(api_keys.every((k) => k.tenant === tenant)).toBe(true);
	});

	it("the admin token must name a tenant, and only manages keys", async () => {
		const missing = await expectProblem(
			await send("/v1/api-keys", { key: ADMIN_TOKEN, body: { name: "x", scopes: ["admin"] } }),
			422,
			"VALIDATION_FAILED",
		);
		expect(missing.detail).toContain("name one");
		await expectProblem(await send("/v1/tasks", { key: ADMIN_TOKEN, body: { task_name: "demo.sleep" } }), 403, "FORBIDDEN");
		// Nor does it configure a tenant: it has none, and what it wrote no tenant could read.
		const configures: [string, string, unknown][] = [
			["PUT", "/v1/task-types/root-made", { patterns: ["root-made."] }],
			["DELETE", "/v1/task-types/etl", undefined],
			["PUT", "/v1/namespaces/root-made", { max_concurrency: 5 }],
			["POST", "/v1/namespaces/root-made/pause", undefined],
			["POST", "/v1/namespaces/root-made/resume", undefined],
		];
		for (const [method, path, body] of configures) {
			const problem = await expectProblem(await send(path, { method, key: ADMIN_TOKEN, body }), 403, "FORBIDDEN");
			expect(problem.detail, `${method} ${path}`).toContain("admin key of the tenant");
		}
		await expectProblem(
			await send("/v1/api-keys", { key: ADMIN_TOKEN, body: { tenant: "Bad Tenant!", name: "x", scopes: ["admin"] } }),
			422,
			"VALIDATION_FAILED",
		);
		await expectProblem(
			await send("/v1/api-keys", { key: ADMIN_TOKEN, body: { tenant: "ok", name: "x", scopes: ["root"] } }),
			422,
			"VALIDATION_FAILED",
		);
		await expectProblem(
			await send("/v1/api-keys", { key: ADMIN_TOKEN, body: { tenant: "ok", name: "x", scopes: ["admin"], extra: true } }),
			422,
			"VALIDATION_FAILED",
		);
	});
});
