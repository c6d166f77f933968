/** The namespaces routes: limits set and shown, pause and resume, validation and the admin scope. */
import { describe, expect, it } from "vitest";
import { expectProblem, issueKey, send, uniqueTenant } from "./auth-helpers";

const put = (ns: string, body: unknown, key?: string) => send(`/v1/namespaces/${ns}`, { method: "PUT", body, key });
const unique = (label: string) => `${label}-${crypto.randomUUID().slice(0, 8)}`;

describe("namespaces", () => {
	it("shows a namespace nobody used with the defaults, and lists it once configured", async () => {
		const ns = unique("fresh");
		const res = await send(`/v1/namespaces/${ns}`);
		expect(res.status).toBe(200);
		expect(await res.json()).toEqual({
			namespace: ns,
			ready: 0,
			running: 0,
			oldest_wait_seconds: 0,
			max_concurrency: 100,
			rate_limits: {},
			paused: false,
		});
		const set = await put(ns, { max_concurrency: 5, rate_limits: { etl: { per_second: 2, burst: 4 } } });
		expect(set.status, await set.clone().text()).toBe(200);
		expect(await set.json()).toMatchObject({ namespace: ns, max_concurrency: 5, rate_limits: { etl: { per_second: 2, burst: 4 } } });
		const list = await (await send("/v1/namespaces?limit=100")).json<{ namespaces: { namespace: string; max_concurrency: number }[] }>();
		expect(list.namespaces.filter((n) => n.namespace === ns)).toEqual([expect.objectContaining({ max_concurrency: 5 })]);
	});

	it("PUT replaces the limits: what is left out returns to its default", async () => {
		const ns = unique("replace");
		await put(ns, { max_concurrency: 3, paused: true });
		const res = await put(ns, { rate_limits: {} });
		expect(await res.json()).toMatchObject({ max_concurrency: 100, paused: false });
	});

	it("pauses and resumes", async () => {
		const ns = unique("pausing");
		const paused = await send(`/v1/namespaces/${ns}/pause`, { method: "POST" });
		expect(paused.status).toBe(200);
		expect(await paused.json()).toMatchObject({ paused: true });
		expect(await (await send(`/v1/namespaces/${ns}`)).json()).toMatchObject({ paused: true });
		const resumed = await send(`/v1/namespaces/${ns}/resume`, { method: "POST" });
		expect(await resumed.json()).toMatchObject({ paused: false });
	});

	it("pages the list by name", async () => {
		const prefix = unique("page");
		for (const n of ["a", "b", "c"]) {
			await put(`${prefix}-${n}`, {});
		}
		const first = await (await send(`/v1/namespaces?limit=2&after=${prefix}`)).json<{
			namespaces: { namespace: string }[];
			next_after: string;
		}>();
		expect(first.namespaces.map((n) => n.namespace)).toEqual([`${prefix}-a`, `${prefix}-b`]);
		const second = await (await send(`/v1/namespaces?limit=2&after=${first.next_after}`)).json<{ namespaces: { namespace: string }[] }>();
		expect(second.namespaces[0]?.namespace).toBe(`${prefix}-c`);
	});

	it.each([
		[{ max_concurrency: 0 }, "max_concurrency"],
		[{ max_concurrency: 1.5 }, "max_concurrency"],
		[{ rate_limits: { etl: { per_second: 0, burst: 1 } } }, "rate_limits.etl.per_second"],
		[{ rate_limits: { etl: { per_second: 1 } } }, "rate_limits.etl.burst"],
		[{ paused: "yes" }, "paused"],
		[{ max_concurrency: 2, extra: 1 }, "(root)"],
	])("refuses %j with a 422 naming %s, and stores nothing", async (body, path) => {
		const ns = unique("bad");
		const problem = (await expectProblem(await put(ns, body), 422, "VALIDATION_FAILED")) as { errors?: { path: string }[] };
		expect(problem.errors?.map((e) => e.path)).toContain(path);
		expect(await (await send(`/v1/namespaces/${ns}`)).json()).toMatchObject({ max_concurrency: 100 });
	});

	it("refuses a namespace name outside the allowed characters with a 422", async () => {
		await expectProblem(await send("/v1/namespaces/-bad!"), 422, "VALIDATION_FAILED");
	});

	it("lets a reader see a namespace but only an admin change it (403)", async () => {
		const tenant = uniqueTenant("ns-scope");
		const writer = await issueKey(tenant, ["tasks:read", "tasks:write"]);
		const admin = await issueKey(tenant, ["admin"]);
		expect((await send("/v1/namespaces/default", { key: writer.key })).status).toBe(200);
		await expectProblem(await put("default", { max_concurrency: 1 }, writer.key), 403, "FORBIDDEN");
		await expectProblem(await send("/v1/namespaces/default/pause", { method: "POST", key: writer.key }), 403, "FORBIDDEN");
		await expectProblem(await send("/v1/namespaces/default/resume", { method: "POST", key: writer.key }), 403, "FORBIDDEN");
		expect((await put("default", { max_concurrency: 1 }, admin.key)).status).toBe(200);
		// Tenants are apart: the admin's limit is its own tenant's.
		expect(await (await send("/v1/namespaces/default", { key: writer.key })).json()).toMatchObject({ max_concurrency: 1 });
		expect(await (await send("/v1/namespaces/default")).json()).toMatchObject({ max_concurrency: 100 });
	});
});
