/**
 * Tenant isolation, walked over every route in the app's route table (compat routes included):
 * tenant B's ids answer tenant A exactly as never-created ids do (404 on our own routes), A's lists, counts and
 * statistics do not move when B's tasks appear, and nothing A receives carries B's data.
 */
import { uuidv7 } from "uuidv7";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { type IssuedKey, issueKey, send, uniqueTenant } from "./auth-helpers";
import { fillPath, type RouteEntry, readBody, tenantRoutes } from "./route-table";

const FAST = { per_second: 10_000, burst: 100_000 };
const routes = tenantRoutes();
/** Our own id routes answer 404; a compat route may answer an unknown id its system's way. */
const CORE_ID_ROUTES = [
	"GET /v1/tasks/:task_id",
	"POST /v1/tasks/:task_id/cancel",
	"POST /v1/tasks/:task_id/retry",
	"GET /v1/tasks/:task_id/events",
	"DELETE /v1/api-keys/:id",
];
const GET_ROUTES = routes.filter((r) => r.method === "GET" && r.params.length === 0);

let a: IssuedKey;
let b: IssuedKey;
/** In B's task names, metadata and messages only: A never sends it, so any echo is a leak. */
let marker: string;
/** B's namespace: A probes with it, so it is sent but not a leak marker. */
let bNamespace: string;
let bTasks: string[] = [];
let bScheduled = "";
/** B's own task type, named with the marker: A must never see it. */
let bType = "";
/** B's webhook subscription and a delivery in its log. */
let bWebhook = "";
let bDelivery = "";
const leaks: string[] = [];

/** Who answers for B's resources, by parameter name. A new parameter must be taught here. */
function bValue(param: string, route: RouteEntry): string {
	if (route.path.startsWith("/v1/api-keys")) {
		return b.id;
	}
	if (route.path.startsWith("/v1/webhooks") && (param === "id" || param === "delivery_id")) {
		return param === "id" ? bWebhook : bDelivery;
	}
	if (param === "task_id" || param === "id") {
		return bScheduled;
	}
	if (param === "ns") {
		return bNamespace;
	}
	if (param === "type") {
		return bType;
	}
	throw new Error(`isolation walk: no idea how to fill :${param} of ${route.method} ${route.path}; teach bValue`);
}

/** A's view of a route with every trace of time and request identity removed. */
function normalise(text: string): string {
	return text.replace(/"request_id":"[^"]*"/g, '"request_id":"-"').replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, "<time>");
}

/** The query strings a client could use to reach another tenant's rows. */
function probes(): string[] {
	return ["", `?tenant_id=${b.tenant}&tenant=${b.tenant}&company_id=${bNamespace}&namespace=${bNamespace}&task_type=secret&limit=100`];
}

async function viewOf(path: string): Promise<string> {
	const res = await send(path, { key: a.key });
	expect(res.status, `${path} as A`).toBeLessThan(500);
	return normalise(await readBody(res));
}

function expectNoTraceOfB(where: string, text: string) {
	for (const secret of [marker, b.id, ...bTasks, bWebhook, bDelivery].filter(Boolean)) {
		if (text.includes(secret)) {
			leaks.push(`${where} shows ${secret}`);
		}
	}
}

beforeAll(async () => {
	a = await issueKey(uniqueTenant("tenant-a"), ["admin"], { rate_limit: FAST });
	const own = await send("/v1/tasks", {
		key: a.key,
		body: { task_name: "demo.sleep", delay_seconds: 3600, metadata: { company_id: "a" } },
	});
	expect(own.status).toBe(202);
});

// Each walk sends requests per route: it grows with the route table, past vitest's default 5 s
// on a busy machine, hence the 30 s on each.
describe("isolation walk", () => {
	it("covers the routes it knows must exist", () => {
		const names = routes.map((r) => `${r.method} ${r.path}`);
		for (const must of [
			"GET /v1/tasks/:task_id",
			"POST /v1/tasks/:task_id/cancel",
			"POST /v1/tasks/:task_id/retry",
			"GET /v1/tasks/:task_id/events",
		]) {
			expect(names).toContain(must);
		}
	});

	it("A's lists, counts and statistics do not change when B's tasks appear, and never show them", async () => {
		b = await issueKey(uniqueTenant("tenant-b"), ["admin"], { rate_limit: FAST });
		marker = `secret-${crypto.randomUUID().slice(0, 8)}`;
		bNamespace = `ns-${crypto.randomUUID().slice(0, 8)}`;
		const before = new Map<string, string>();
		for (const route of GET_ROUTES) {
			for (const query of probes()) {
				before.set(route.path + query, await viewOf(route.path + query));
			}
		}

		const create = async (body: Record<string, unknown>) => {
			const res = await send("/v1/tasks", { key: b.key, body: { metadata: { company_id: bNamespace }, namespace: bNamespace, ...body } });
			expect(res.status).toBe(202);
			return (await res.json<{ task_id: string }>()).task_id;
		};
		bType = `type-${marker}`;
		const defined = await send(`/v1/task-types/${bType}`, {
			method: "PUT",
			key: b.key,
			body: { patterns: [`secret.${marker}`], max_retries: 9 },
		});
		expect(defined.status).toBe(200);
		bScheduled = await create({ task_name: `secret.${marker}`, delay_seconds: 3600 });
		const done = await create({ task_name: "messages.create", payload: { content: marker } });
		const failed = await create({ task_name: "demo.fail", max_retries: 0 });
		bTasks = [bScheduled, done, failed];
		const subscribed = await send("/v1/webhooks", { key: b.key, body: { url: `http://hooks.test/${marker}`, description: marker } });
		expect(subscribed.status).toBe(201);
		bWebhook = (await subscribed.json<{ id: string }>()).id;
		const receiver = vi.spyOn(globalThis, "fetch").mockResolvedValue(new Response(null, { status: 204 }));
		const ping = await send(`/v1/webhooks/${bWebhook}/test`, { key: b.key, body: {} });
		receiver.mockRestore();
		bDelivery = (await ping.json<{ id: string }>()).id;
		await vi.waitFor(
			async () => {
				for (const id of [done, failed]) {
					const task = await (await send(`/v1/tasks/${id}`, { key: b.key })).json<{ status: string }>();
					expect(["COMPLETED", "FAILED"]).toContain(task.status);
				}
			},
			{ timeout: 4_000, interval: 100 },
		);

		for (const [path, view] of before) {
			const after = await viewOf(path);
			expect(after, `GET ${path} as A changed when B's tasks appeared`).toBe(view);
			expectNoTraceOfB(`GET ${path}`, after);
		}
		expect(leaks).toEqual([]);
	}, 30_000);

	it("B's ids answer A exactly as never-created ids do (404 on our routes), and B's task is untouched", async () => {
		const parametric = routes.filter((r) => r.params.length > 0);
		expect(parametric.length).toBeGreaterThan(0);
		for (const route of parametric) {
			// The same route with ids of the same kind that nobody ever created.
			const unknownIds = new Map<string, string>();
			const unknownValue = (param: string, r: RouteEntry) => {
				const real = bValue(param, r);
				const fake = unknownIds.get(real) ?? (r.path.startsWith("/v1/api-keys") ? crypto.randomUUID() : uuidv7());
				unknownIds.set(real, fake);
				return fake;
			};
			const answer = async (path: string, ids: string[]) => {
				const res = await send(path, {
					method: route.method,
					key: a.key,
					body: route.method === "GET" || route.method === "HEAD" ? undefined : {},
				});
				let text = normalise(await readBody(res));
				for (const id of ids) {
					text = text.replaceAll(id, "<id>");
				}
				return { status: res.status, text };
			};
			const forB = await answer(
				fillPath(route, bValue),
				route.params.map((p) => bValue(p, route)),
			);
			const forUnknown = await answer(fillPath(route, unknownValue), [...unknownIds.values()]);
			expect(forB, `${route.method} ${route.path} with B's id, as A`).toEqual(forUnknown);
			if (CORE_ID_ROUTES.includes(`${route.method} ${route.path}`)) {
				expect(forB.status, `${route.method} ${route.path}: ${forB.text}`).toBe(404);
			}
			expectNoTraceOfB(`${route.method} ${route.path}`, forB.text);
		}
		expect(leaks).toEqual([]);

		const task = await (await send(`/v1/tasks/${bScheduled}`, { key: b.key })).json<{ status: string; cancel_requested: boolean }>();
		expect(task).toMatchObject({ status: "SCHEDULED", cancel_requested: false });
		expect((await send("/v1/messages", { key: b.key })).status).toBe(200);
	}, 30_000);

	it("no other route shows A anything of B's, whatever A sends", async () => {
		for (const route of routes.filter((r) => r.params.length === 0)) {
			for (const query of probes()) {
				const body =
					route.method === "GET" || route.method === "HEAD" ? undefined : { tenant: b.tenant, tenant_id: b.tenant, namespace: bNamespace };
				const res = await send(route.path + query, { method: route.method, key: a.key, body });
				const text = await readBody(res);
				expect(res.status, `${route.method} ${route.path}${query}: ${text}`).toBeLessThan(500);
				expectNoTraceOfB(`${route.method} ${route.path}${query}`, text);
			}
		}
		expect(leaks).toEqual([]);
	}, 30_000);
});
