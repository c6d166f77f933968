/**
 * Each common filter searches an index rather than scanning the table: the plans are those of
 * the SQL the query builder really produces. Also the D1 rows a history write costs.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { historyDb } from "../src/history/db";
import { taskCountQuery, taskPageQuery } from "../src/history/list";
import { expiredTaskDeletes } from "../src/history/retention";
import { durationPercentilesQuery, taskGroupsQuery } from "../src/history/stats";
import { saveTaskSnapshot } from "../src/history/tasks";
import { type TaskFilters, taskQueryOf } from "../src/services/history";
import { craftTask } from "./helpers/history-seed";

async function plan(query: { toSQL(): { sql: string; params: unknown[] } }): Promise<string[]> {
	const { sql, params } = query.toSQL();
	const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
		.bind(...params)
		.all<{ detail: string }>();
	return results.map((row) => row.detail);
}

const db = historyDb(env.DB);
const pageOf = (filters: Omit<TaskFilters, "limit">) =>
	taskPageQuery(db, "plan", taskQueryOf(filters, Date.now()), { order: filters.order_by ?? "-created_at", limit: 51, offset: 0 });

describe("EXPLAIN QUERY PLAN of list queries", () => {
	it.each<[string, Omit<TaskFilters, "limit">, string]>([
		["no filter", {}, "tasks_tenant_created"],
		["status", { status: ["PROCESSING"] }, "tasks_tenant_status_created"],
		// Without statistics SQLite walks created_at in order rather than sort an IN list's rows.
		["several statuses", { status: ["FAILED", "CANCELED"] }, "tasks_tenant_created"],
		["task_type", { task_type: ["etl"] }, "tasks_tenant_type_created"],
		["task_name", { task_name: "etl.process_etl_file" }, "tasks_tenant_type_created"],
		["task_name prefix", { task_name: "etl.*" }, "tasks_tenant_type_created"],
		["namespace", { namespace: "imports" }, "tasks_tenant_namespace_created"],
		// The partial namespace index leaves `default` out: most rows match, so walk in order.
		["the default namespace", { namespace: "default" }, "tasks_tenant_created"],
		["time window", { created_after: "2026-01-01T00:00:00Z", created_before: "2026-02-01T00:00:00Z" }, "tasks_tenant_created"],
		["hours_ago", { hours_ago: 24 }, "tasks_tenant_created"],
		["metadata key", { metadata: { company_id: "4" } }, "sqlite_autoindex_task_metadata_1"],
		["two metadata keys", { metadata: { company_id: "4", region: "eu" } }, "sqlite_autoindex_task_metadata_1"],
		["created_by", { created_by: "ci" }, "tasks_tenant_created"],
		["status ordered by priority", { status: ["PENDING"], order_by: "-priority" }, "tasks_tenant_status_created"],
	])("%s searches %s", async (_name, filters, index) => {
		const details = await plan(pageOf(filters));
		expect(details.join("\n")).toMatch(new RegExp(`USING (COVERING )?INDEX ${index}`));
		expect(details.filter((d) => /^SCAN tasks\b/.test(d))).toEqual([]);
	});

	it("counts through an index too", async () => {
		const details = await plan(taskCountQuery(db, "plan", taskQueryOf({ status: ["FAILED"] }, Date.now()), 10_000));
		expect(details.join("\n")).toContain("tasks_tenant_status_created");
		expect(details.filter((d) => /^SCAN tasks\b/.test(d))).toEqual([]);
	});
});

describe("EXPLAIN QUERY PLAN of statistics", () => {
	const window = { created_from: Date.now() - 24 * 3_600_000, created_to: Date.now() };
	it.each([
		["the last 24 hours", window, "tasks_tenant_created"],
		["a type", { ...window, task_type: ["etl"] }, "tasks_tenant_type_created"],
		["a namespace", { ...window, namespace: "imports" }, "tasks_tenant_namespace_created"],
	])("over %s searches %s", async (_name, query, index) => {
		for (const q of [taskGroupsQuery(db, "plan", query), durationPercentilesQuery(db, "plan", query)]) {
			const details = await plan(q);
			expect(details.join("\n")).toMatch(new RegExp(`USING (COVERING )?INDEX ${index}`));
			expect(details.filter((d) => /^SCAN tasks\b/.test(d))).toEqual([]);
		}
	});
});

it("retention deletes a task's metadata rows by key, not by scanning them", async () => {
	const [metadata, rows] = expiredTaskDeletes(db, Date.now(), 500);
	const details = (await plan(metadata)).join("\n");
	expect(details).toContain("sqlite_autoindex_task_metadata_1 (tenant_id=? AND key=? AND value=? AND created_at=? AND task_id=?)");
	expect(details).not.toMatch(/SCAN task_metadata/);
	// No completed_at index on purpose: the scan runs oldest first and stops at the batch size.
	expect((await plan(rows)).join("\n")).toContain("SEARCH tasks USING INTEGER PRIMARY KEY (rowid=?)");
});

describe("D1 rows a history write costs", () => {
	it("writes metadata rows once, at creation; a repeated flush writes nothing", async () => {
		const plain = craftTask({ task_name: "etl.load" });
		const tagged = craftTask({ task_name: "etl.load", metadata: { company_id: "4", region: "eu" } });
		const create = { plain: await saveTaskSnapshot(db, "cost", plain), tagged: await saveTaskSnapshot(db, "cost", tagged) };
		const done = { status: "COMPLETED" as const, version: 5, completed_at: new Date().toISOString(), duration_seconds: 1 };
		const terminal = {
			plain: await saveTaskSnapshot(db, "cost", { ...plain, ...done }),
			tagged: await saveTaskSnapshot(db, "cost", { ...tagged, ...done }),
		};
		const repeat = await saveTaskSnapshot(db, "cost", { ...tagged, ...done });
		console.log("history rows written", { create, terminal, repeat });
		expect(create.tagged).toBeGreaterThan(create.plain);
		expect(terminal.tagged).toBe(terminal.plain);
		expect(repeat).toBe(0);
		const keys = await env.DB.prepare("SELECT key, value FROM task_metadata WHERE task_id = ? ORDER BY key").bind(tagged.task_id).all();
		expect(keys.results).toEqual([
			{ key: "company_id", value: "4" },
			{ key: "region", value: "eu" },
		]);
	});
});
