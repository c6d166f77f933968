/** GET /metrics: Prometheus text exposition of the caller's history, behind the API's auth. */
import { env, exports } from "cloudflare:workers";
import { expect, it, vi } from "vitest";
import { createApp } from "../src/app";
import { counterBackfill } from "../src/history/counters";
import { historyDb } from "../src/history/db";
import { deleteExpiredTasks } from "../src/history/retention";
import type { Task } from "../src/task/task";
import { ADMIN_TOKEN, issueKey, send, uniqueTenant } from "./auth-helpers";
import { craftTask, seed } from "./helpers/history-seed";
import { inlinedSql, latestMigrationQueries } from "./helpers/migration-sql";

/** Sample lines as name{labels} → value; fails on any line the 0.0.4 format would not accept. */
function parse(text: string): Map<string, number> {
	const samples = new Map<string, number>();
	for (const line of text.trimEnd().split("\n")) {
		if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) {
			continue;
		}
		const match = /^([a-z_]+(?:\{[^}]*\})?) (-?[0-9.e+]+)$/.exec(line);
		expect(match, line).not.toBeNull();
		samples.set(match?.[1] ?? "", Number(match?.[2]));
	}
	return samples;
}

it("exposes counts by status and type, totals and a duration histogram", async () => {
	await seed("dev", [
		craftTask({ task_name: "etl.load", status: "COMPLETED", duration_seconds: 0.05 }),
		craftTask({ task_name: "etl.load", status: "COMPLETED_WITH_ERRORS", duration_seconds: 4 }),
		craftTask({ task_name: "etl.load", status: "FAILED", duration_seconds: 400 }),
		craftTask({ task_name: "etl.load", status: "PROCESSING" }),
		craftTask({ task_name: "email.send", status: "PENDING" }),
	]);
	const res = await exports.default.fetch("http://x/metrics");
	expect(res.status).toBe(200);
	expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
	const text = await res.text();
	expect(text).toContain("# TYPE taskplane_tasks gauge\n");
	expect(text).toContain("# TYPE taskplane_tasks_created_total counter\n");
	expect(text).toContain("# TYPE taskplane_task_duration_seconds histogram\n");
	const m = parse(text);
	expect(m.get('taskplane_tasks{status="PROCESSING",type="etl"}')).toBe(1);
	expect(m.get('taskplane_tasks{status="SCHEDULED",type="etl"}')).toBe(0);
	expect(m.get('taskplane_tasks{status="PENDING",type="email"}')).toBe(1);
	expect(m.get('taskplane_tasks_created_total{type="etl"}')).toBe(4);
	expect(m.get('taskplane_tasks_completed_total{type="etl"}')).toBe(2);
	expect(m.get('taskplane_tasks_failed_total{type="etl"}')).toBe(1);
	expect(m.get('taskplane_task_duration_seconds_bucket{type="etl",le="0.1"}')).toBe(1);
	expect(m.get('taskplane_task_duration_seconds_bucket{type="etl",le="5"}')).toBe(2);
	expect(m.get('taskplane_task_duration_seconds_bucket{type="etl",le="300"}')).toBe(2);
	expect(m.get('taskplane_task_duration_seconds_bucket{type="etl",le="900"}')).toBe(3);
	expect(m.get('taskplane_task_duration_seconds_bucket{type="etl",le="+Inf"}')).toBe(3);
	expect(m.get('taskplane_task_duration_seconds_count{type="etl"}')).toBe(3);
	expect(m.get('taskplane_task_duration_seconds_sum{type="etl"}')).toBeCloseTo(404.05);
	expect(m.get('taskplane_task_duration_seconds_count{type="email"}')).toBe(0);
	expect(m.get('taskplane_tasks_created_total{type="email"}')).toBe(1);
});

async function scrape(key: string): Promise<Map<string, number>> {
	const res = await send("/metrics", { key });
	expect(res.status, await res.clone().text()).toBe(200);
	return parse(await res.text());
}

it("counts transitions as they reach history: a retry, a repeated or late flush and retention never lower a _total", async () => {
	const tenant = uniqueTenant("counters");
	const { key } = await issueKey(tenant, ["tasks:read"]);
	const db = historyDb(env.DB);
	const failed = craftTask({ task_name: "etl.load", status: "FAILED", duration_seconds: 2, version: 5 });
	const next = (over: Partial<Task>): Task => ({ ...failed, ...over });
	await seed(tenant, [failed]);
	await seed(tenant, [failed]); // the same flush again (alarms are at-least-once)
	let m = await scrape(key);
	expect(m.get('taskplane_tasks_created_total{type="etl"}')).toBe(1);
	expect(m.get('taskplane_tasks_failed_total{type="etl"}')).toBe(1);

	// A manual retry: the task leaves FAILED. The counter stays; the gauge moves.
	await seed(tenant, [next({ status: "PENDING", attempt: 2, version: 6, duration_seconds: null, completed_at: null })]);
	m = await scrape(key);
	expect(m.get('taskplane_tasks_failed_total{type="etl"}')).toBe(1);
	expect(m.get('taskplane_tasks{status="FAILED",type="etl"}')).toBe(0);

	// It fails again (a second FAILED transition); then the first FAILED flush arrives late.
	await seed(tenant, [next({ attempt: 2, version: 8, duration_seconds: 4 })]);
	await seed(tenant, [failed]);
	m = await scrape(key);
	expect(m.get('taskplane_tasks_failed_total{type="etl"}')).toBe(2);
	expect(m.get('taskplane_task_duration_seconds_count{type="etl"}')).toBe(2);
	expect(m.get('taskplane_task_duration_seconds_sum{type="etl"}')).toBe(6);

	// Retention deletes the row: the gauge empties, the counters hold.
	expect(await deleteExpiredTasks(db, Date.now() + 86_400_000, 1000)).toBeGreaterThan(0);
	m = await scrape(key);
	expect(m.get('taskplane_tasks{status="FAILED",type="etl"}')).toBeUndefined();
	expect(m.get('taskplane_tasks_created_total{type="etl"}')).toBe(1);
	expect(m.get('taskplane_tasks_failed_total{type="etl"}')).toBe(2);
	expect(m.get('taskplane_task_duration_seconds_bucket{type="etl",le="5"}')).toBe(2);
});

it("gives the admin token every tenant's series, labelled tenant; a key sees its own tenant only", async () => {
	const [a, b] = [uniqueTenant("scrape-a"), uniqueTenant("scrape-b")];
	await seed(a, [craftTask({ task_name: "email.send", status: "COMPLETED", duration_seconds: 1 })]);
	await seed(b, [craftTask({ task_name: "email.send", status: "CANCELED", duration_seconds: null })]);
	const all = await scrape(ADMIN_TOKEN);
	expect(all.get(`taskplane_tasks_completed_total{tenant="${a}",type="email"}`)).toBe(1);
	expect(all.get(`taskplane_tasks_canceled_total{tenant="${b}",type="email"}`)).toBe(1);
	const own = await scrape((await issueKey(a, ["tasks:read"])).key);
	expect(own.get('taskplane_tasks_completed_total{type="email"}')).toBe(1);
	expect(own.get('taskplane_tasks_canceled_total{type="email"}')).toBe(0);
	expect([...own.keys()].some((k) => k.includes("tenant="))).toBe(false);
	// The admin token still runs no tasks.
	expect((await send("/v1/tasks", { key: ADMIN_TOKEN })).status).toBe(403);
});

it("backfills the counters of history written before them with counterBackfill's own statement", () => {
	const inlined = inlinedSql(counterBackfill(historyDb(env.DB)));
	// The latest backfill rebuilds the rollup and fills the counters in the shape the code writes now.
	const queries = latestMigrationQueries("stats_rollup_backfill");
	expect(queries).toContain(inlined);
});

it("sits behind the same authentication as /v1", async () => {
	const res = await createApp().request("/metrics", {}, { ...env, ENVIRONMENT: undefined });
	expect(res.status).toBe(401);
	expect(res.headers.get("content-type")).toBe("application/problem+json");
});

it("shows each namespace's ready and running tasks as gauges, read from its dispatcher", async () => {
	const ns = `gauges-${crypto.randomUUID().slice(0, 8)}`;
	expect((await send(`/v1/namespaces/${ns}/pause`, { method: "POST" })).status).toBe(200);
	for (let i = 0; i < 2; i++) {
		const res = await send("/v1/tasks", { method: "POST", body: { task_name: "demo.sleep", namespace: ns } });
		expect(res.status).toBe(202);
	}
	// Waiting in a paused namespace: the offers reach its dispatcher once the tasks have flushed.
	await vi.waitFor(
		async () => {
			const samples = parse(await (await exports.default.fetch("http://x/metrics")).text());
			expect(samples.get(`taskplane_namespace_ready_tasks{namespace="${ns}"}`)).toBe(2);
			expect(samples.get(`taskplane_namespace_running_tasks{namespace="${ns}"}`)).toBe(0);
		},
		{ timeout: 3_000, interval: 50 },
	);
	const admin = parse(await (await send("/metrics", { key: ADMIN_TOKEN })).text());
	expect(admin.get(`taskplane_namespace_ready_tasks{tenant="dev",namespace="${ns}"}`)).toBe(2);
});
