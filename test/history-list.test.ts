/** Listing tasks from history: each filter, ordering, paging, and the two list routes. */
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { listTasks, type TaskFilters } from "../src/services/history";
import type { Task } from "../src/task/task";
import { ago, craftTask, HOUR, seed } from "./helpers/history-seed";

let tenants = 0;
const uniqueTenant = () => `list-${++tenants}`;
const ids = (list: { task_id: string }[]) => list.map((t) => t.task_id).sort();
const list = (tenant: string, filters: Partial<TaskFilters> = {}) => listTasks(env, tenant, { limit: 100, ...filters });

async function api(path: string, init?: RequestInit) {
	const res = await exports.default.fetch(`http://x${path}`, init);
	return { status: res.status, body: await res.json<Record<string, unknown> & { tasks: Task[] }>() };
}

describe("listTasks filters", () => {
	const tenant = uniqueTenant();
	const now = Date.now();
	const tasks = {
		etlDone: craftTask({ task_name: "etl.process_etl_file", status: "COMPLETED", created_at: ago(3 * HOUR, now) }),
		etlFailed: craftTask({ task_name: "etl.load", status: "FAILED", created_at: ago(2 * HOUR, now), namespace: "imports" }),
		email: craftTask({ task_name: "email.send", status: "PROCESSING", created_at: ago(HOUR, now), metadata: { company_id: "4" } }),
		emailOld: craftTask({ task_name: "email.send", status: "CANCELED", created_at: ago(48 * HOUR, now), metadata: { company_id: "5" } }),
		other: craftTask({ task_name: "custom.thing", status: "PENDING", created_at: ago(30 * 60_000, now), created_by: "ci" }),
		both: craftTask({
			task_name: "etl_export",
			status: "PENDING",
			created_at: ago(10 * 60_000, now),
			metadata: { company_id: "4", region: "eu" },
		}),
	};
	const seeded = seed(tenant, Object.values(tasks));

	it.each<[string, Partial<TaskFilters>, (keyof typeof tasks)[]]>([
		["no filter", {}, ["etlDone", "etlFailed", "email", "emailOld", "other", "both"]],
		["one status", { status: ["PENDING"] }, ["other", "both"]],
		["several statuses", { status: ["FAILED", "CANCELED", "COMPLETED"] }, ["etlDone", "etlFailed", "emailOld"]],
		["a status twice", { status: ["PENDING", "PENDING", "FAILED"] }, ["other", "both", "etlFailed"]],
		["task_type", { task_type: ["etl"] }, ["etlDone", "etlFailed", "both"]],
		["several types", { task_type: ["email", "other"] }, ["email", "emailOld", "other"]],
		["exact task_name", { task_name: "etl.load" }, ["etlFailed"]],
		["task_name prefix", { task_name: "etl.*" }, ["etlDone", "etlFailed"]],
		["task_name prefix across types", { task_name: "e*" }, ["etlDone", "etlFailed", "email", "emailOld", "both"]],
		["task_name and a type it is not", { task_name: "etl.load", task_type: ["email"] }, []],
		["namespace", { namespace: "imports" }, ["etlFailed"]],
		["created_by", { created_by: "ci" }, ["other"]],
		["metadata", { metadata: { company_id: "4" } }, ["email", "both"]],
		["two metadata keys", { metadata: { company_id: "4", region: "eu" } }, ["both"]],
		["metadata and status", { metadata: { company_id: "4" }, status: ["PROCESSING"] }, ["email"]],
		["hours_ago", { hours_ago: 24 }, ["etlDone", "etlFailed", "email", "other", "both"]],
		["created window", { created_after: ago(150 * 60_000, now), created_before: ago(20 * 60_000, now) }, ["etlFailed", "email", "other"]],
	])("%s", async (_name, filters, expected) => {
		await seeded;
		const page = await list(tenant, filters);
		expect(ids(page.tasks)).toEqual(ids(expected.map((k) => tasks[k])));
		expect(page.total).toBe(expected.length);
	});

	it("orders newest first by default, and by each order_by", async () => {
		await seeded;
		const names = async (order_by: TaskFilters["order_by"]) => (await list(tenant, { order_by })).tasks.map((t) => t.task_id);
		const byCreated = Object.values(tasks).sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at));
		expect(await names(undefined)).toEqual(byCreated.map((t) => t.task_id).reverse());
		expect(await names("created_at")).toEqual(byCreated.map((t) => t.task_id));
		const prioritised = { ...tasks.other, priority: 9, version: 2 };
		await seed(tenant, [prioritised]);
		expect((await names("-priority"))[0]).toBe(prioritised.task_id);
		expect((await names("priority")).at(-1)).toBe(prioritised.task_id);
		// Live tasks have no completed_at or duration: they come last both ways.
		const completedAsc = await names("completed_at");
		expect(completedAsc.slice(0, 3)).toEqual([tasks.emailOld, tasks.etlDone, tasks.etlFailed].map((t) => t.task_id));
		expect((await names("-completed_at")).slice(0, 3)).toEqual([tasks.etlFailed, tasks.etlDone, tasks.emailOld].map((t) => t.task_id));
		await seed(tenant, [{ ...tasks.etlDone, duration_seconds: 99, version: 6 }]);
		expect((await names("-duration"))[0]).toBe(tasks.etlDone.task_id);
		expect((await names("duration")).slice(-3)).not.toContain(tasks.etlDone.task_id);
	});
});

describe("paging", () => {
	const tenant = uniqueTenant();
	const now = Date.now();
	// 23 tasks, several sharing a created_at, so the task_id tie-break is exercised.
	const all = Array.from({ length: 23 }, (_, i) => craftTask({ created_at: ago(Math.floor(i / 3) * 1000, now) }));
	const seeded = seed(tenant, all);

	it.each(["-created_at", "created_at"] as const)("a cursor (%s) returns every task exactly once", async (order_by) => {
		await seeded;
		const seen: string[] = [];
		let cursor: string | undefined;
		for (let pages = 0; pages < 10; pages++) {
			const page = await list(tenant, { limit: 5, order_by, cursor });
			expect(page.total).toBe(23);
			seen.push(...page.tasks.map((t) => t.task_id));
			if (page.next_cursor === null) {
				break;
			}
			cursor = page.next_cursor;
		}
		expect(seen).toHaveLength(23);
		expect([...seen].sort()).toEqual(ids(all));
	});

	it("offset pages follow the same order and have no cursor for other orderings", async () => {
		await seeded;
		const whole = (await list(tenant, { limit: 23 })).tasks.map((t) => t.task_id);
		const first = await list(tenant, { limit: 10, offset: 0 });
		const second = await list(tenant, { limit: 10, offset: 10 });
		expect([...first.tasks, ...second.tasks].map((t) => t.task_id)).toEqual(whole.slice(0, 20));
		expect(second.offset).toBe(10);
		expect((await list(tenant, { limit: 5, order_by: "-priority" })).next_cursor).toBeNull();
		expect((await list(tenant, { limit: 23 })).next_cursor).toBeNull();
	});

	it("refuses a cursor with another ordering, with an offset, or forged", async () => {
		await seeded;
		const { next_cursor } = await list(tenant, { limit: 5 });
		await expect(list(tenant, { limit: 5, order_by: "created_at", cursor: next_cursor ?? "" })).rejects.toMatchObject({ status: 422 });
		await expect(list(tenant, { limit: 5, order_by: "-priority", cursor: next_cursor ?? "" })).rejects.toMatchObject({ status: 422 });
		await expect(list(tenant, { limit: 5, offset: 5, cursor: next_cursor ?? "" })).rejects.toMatchObject({ status: 422 });
		await expect(list(tenant, { limit: 5, cursor: "bm90IGEgY3Vyc29y" })).rejects.toMatchObject({ status: 422 });
	});
});

describe("paging across several statuses (merged per-status legs)", () => {
	const tenant = uniqueTenant();
	const now = Date.now();
	const statuses = ["PENDING", "QUEUED", "COMPLETED"] as const;
	const all = Array.from({ length: 30 }, (_, i) => craftTask({ status: statuses[i % 3], created_at: ago(Math.floor(i / 2) * 1000, now) }));
	const live = all.filter((t) => t.status !== "COMPLETED");
	const seeded = seed(tenant, all);

	it.each(["-created_at", "created_at"] as const)("cursor and offset pages (%s) agree and cover each task once", async (order_by) => {
		await seeded;
		const filters = { status: ["PENDING" as const, "QUEUED" as const], order_by };
		const whole = (await list(tenant, filters)).tasks.map((t) => t.task_id);
		expect([...whole].sort()).toEqual(ids(live));
		const byCursor: string[] = [];
		let cursor: string | undefined;
		do {
			const page = await list(tenant, { ...filters, limit: 6, cursor });
			expect(page.total).toBe(live.length);
			byCursor.push(...page.tasks.map((t) => t.task_id));
			cursor = page.next_cursor ?? undefined;
		} while (cursor !== undefined && byCursor.length < 100);
		expect(byCursor).toEqual(whole);
		const byOffset = [];
		for (let offset = 0; offset < live.length; offset += 6) {
			byOffset.push(...(await list(tenant, { ...filters, limit: 6, offset })).tasks.map((t) => t.task_id));
		}
		expect(byOffset).toEqual(whole);
	});
});

describe("GET /v1/tasks and POST /v1/tasks/list", () => {
	const createTask = async (body: Record<string, unknown>) => {
		const res = await exports.default.fetch("http://x/v1/tasks", {
			method: "POST",
			headers: { "content-type": "application/json" },
			body: JSON.stringify({ delay_seconds: 3600, ...body }),
		});
		expect(res.status).toBe(202);
		return res.json<Task>();
	};

	it("lists tasks created through the API, with query filters equal to the JSON body's", async () => {
		const a = await createTask({ task_name: "etl.process_etl_file", metadata: { company_id: "77" } });
		const b = await createTask({ task_name: "email.send", metadata: { company_id: "77" }, namespace: "mail" });
		await createTask({ task_name: "email.send", metadata: { company_id: "78" } });
		const got = await api("/v1/tasks?metadata.company_id=77&status=SCHEDULED,PENDING&status=QUEUED");
		expect(got.status).toBe(200);
		expect(ids(got.body.tasks)).toEqual(ids([a, b]));
		expect(got.body).toMatchObject({ total: 2, limit: 50, offset: 0, next_cursor: null, total_capped: false });
		const posted = await api("/v1/tasks/list", {
			method: "POST",
			headers: { "content-type": "application/json" },
			body: JSON.stringify({ metadata: { company_id: "77" }, status: ["SCHEDULED", "PENDING", "QUEUED"] }),
		});
		// The POST answer also carries Mixpeek's names for the same page (results, pagination).
		expect(posted.status).toBe(got.status);
		expect(posted.body).toMatchObject(got.body);
		const narrowed = await api(
			`/v1/tasks?metadata.company_id=77&namespace=mail&task_name=email.*&start_date=${encodeURIComponent(a.created_at)}`,
		);
		expect(ids(narrowed.body.tasks)).toEqual([b.task_id]);
		const empty = await api("/v1/tasks/list", { method: "POST" });
		expect(empty.status).toBe(200);
		expect(empty.body.limit).toBe(50);
	});

	it.each([
		["limit over 100", "/v1/tasks?limit=101", "limit"],
		["limit not a number", "/v1/tasks?limit=many", "limit"],
		["unknown status", "/v1/tasks?status=DONE", "status.0"],
		["unknown order", "/v1/tasks?order_by=name", "order_by"],
		["bad date", "/v1/tasks?start_date=yesterday", "created_after"],
		["unknown parameter", "/v1/tasks?colour=red", "(root)"],
	])("%s is a 422 naming the field", async (_name, path, field) => {
		const got = await api(path);
		expect(got.status).toBe(422);
		expect((got.body.errors as { path: string }[]).map((e) => e.path)).toContain(field);
	});

	it("POST /v1/tasks/list refuses limit 101", async () => {
		const got = await api("/v1/tasks/list", { method: "POST", headers: { "content-type": "application/json" }, body: '{"limit":101}' });
		expect(got.status).toBe(422);
	});

	it("GET /v1/tasks/<not an id> is still a 404 beside the static list routes", async () => {
		expect((await api("/v1/tasks/nonsense")).status).toBe(404);
		// GET of the POST-only path falls to the id route, which knows no such id.
		expect((await api("/v1/tasks/list")).status).toBe(404);
	});
});
