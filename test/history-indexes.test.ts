/**
 * Each common filter searches an index rather than scanning the table: the plans are those of
 * the SQL the query builder really produces. Also the D1 rows a history write costs.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { historyDb } from "../src/history/db";
import { taskCountQuery, taskPageQuery } from "../src/history/list";
import { expiredTaskDeletes } from "../src/history/retention";
import { statsQueries } from "../src/history/stats";
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
		["several statuses", { status: ["PENDING", "QUEUED", "PROCESSING"] }, "tasks_tenant_status_created"],
		["several types", { task_type: ["etl", "email"] }, "tasks_tenant_type_created"],
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

	it("merges one index-ordered leg per status instead of walking created_at", async () => {
		const details = await plan(pageOf({ status: ["PENDING", "QUEUED", "PROCESSING"] }));
		expect(details).toContain("MERGE (UNION ALL)");
		expect(details.filter((d) => d.includes("tasks_tenant_status_created (tenant_id=? AND status=?)"))).toHaveLength(3);
		expect(details.join("\n")).not.toContain("tasks_tenant_created");
	});

	it.each<[string, Omit<TaskFilters, "limit">, string]>([
		["a status", { status: ["FAILED"] }, "tasks_tenant_status_created"],
		["several statuses", { status: ["PENDING", "PROCESSING"] }, "tasks_tenant_status_created"],
		["a type", { task_type: ["etl"] }, "tasks_tenant_type_created"],
		["a metadata key", { metadata: { company_id: "4" } }, "sqlite_autoindex_task_metadata_1"],
	])("counts %s through %s", async (_name, filters, index) => {
		const details = await plan(taskCountQuery(db, "plan", taskQueryOf(filters, Date.now()), 10_000));
		expect(details.join("\n")).toMatch(new RegExp(`USING (COVERING )?INDEX ${index}`));
		expect(details.filter((d) => /^SCAN tasks\b/.test(d))).toEqual([]);
	});
});

describe("EXPLAIN QUERY PLAN of statistics", () => {
	const window = { created_from: Date.now() - 24 * 3_600_000, created_to: Date.now() };
	it.each([
		["the last 24 hours", window, ["task_stats_hourly_1", "tasks_tenant_status_created", "tasks_tenant_created"]],
		["a type", { ...window, task_type: ["etl"] }, ["task_stats_hourly_1", "tasks_tenant_status_created", "tasks_tenant_type_created"]],
		["a namespace", { ...window, namespace: "imports" }, ["tasks_tenant_namespace_created"]],
	])("over %s searches %s", async (_name, query, indexes) => {
		const queries = statsQueries(db, "plan", query);
		const details = await Promise.all(queries.map(plan));
		// The rollup's hours, the live tasks of those hours, then the raw edges (or the one raw query).
		for (const [i, index] of indexes.entries()) {
			expect(details[i]?.join("\n")).toMatch(new RegExp(`USING (COVERING )?INDEX (sqlite_autoindex_)?${index}`));
		}
		expect(details.flat().filter((d) => /^SCAN (tasks|task_stats_hourly)\b/.test(d))).toEqual([]);
		if (indexes.length > 1) {
			// Live tasks are counted from the status index alone, with no table lookups.
			expect(details[1]?.join("\n")).toMatch(/USING COVERING INDEX/);
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
		// The statistics rollup: the first terminal task of its hour, type and status inserts a row
		// (and its key), later ones add to it: one row more than the snapshot's own.
		expect(terminal.tagged).toBe(terminal.plain - 1);
		expect(repeat).toBe(0);
		const keys = await env.DB.prepare("SELECT key, value FROM task_metadata WHERE task_id = ? ORDER BY key").bind(tagged.task_id).all();
		expect(keys.results).toEqual([
			{ key: "company_id", value: "4" },
			{ key: "region", value: "eu" },
		]);
	});
});
