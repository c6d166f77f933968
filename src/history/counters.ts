/**
 * The /metrics counters (schema.ts task_counters): each transition is counted once, in the batch
 * of the snapshot write that brings it to history, and nothing ever subtracts, so retention and
 * retries cannot lower a `_total`. A transition is what history receives: creation (the first
 * write of a task) and each terminal status of an attempt; a terminal status that a manual retry
 * overtook before it was flushed is not seen, and not counted.
 */
import { eq, type SQL, sql } from "drizzle-orm";
import { COMPLETED_STATUSES, TERMINAL_STATUSES } from "../task/task";
import type { HistoryDb } from "./db";
import { METRICS_BUCKETS, taskCounters, tasks } from "./schema";

const COUNTER_COLUMNS = [
	"created",
	"completed",
	"failed",
	"canceled",
	"duration_count",
	"duration_sum",
	...METRICS_BUCKETS.map((_, i) => `le${i}`),
] as const;
const column = (name: string) => sql.raw(`"${name}"`);

function upsert(db: HistoryDb, select: SQL) {
	return db
		.insert(taskCounters)
		.select(select)
		.onConflictDoUpdate({
			target: [taskCounters.tenant_id, taskCounters.task_type],
			set: Object.fromEntries(COUNTER_COLUMNS.map((c) => [c, sql`${column(c)} + excluded.${column(c)}`])),
		});
}

/**
 * The counter statement for a chunk of snapshot writes (`incoming`: one row per task with the
 * columns of `tasks`, as the rollup takes it), to run in its batch BEFORE the upsert (it reads
 * the rows as they were). Per task: `created` when history has no row yet; the terminal status
 * and duration when the write is newer than the stored row and that row is not already this
 * status of this attempt. A repeated or late flush counts nothing. One statement per chunk,
 * summed per (tenant, type): a batch of many tasks writes one counter row per type, not one
 * or two per task (D1 rows are billed, and D1 has one writer).
 */
export function counterSnapshotWrites(db: HistoryDb, incoming: SQL) {
	const stored = sql`SELECT 1 FROM ${tasks} o WHERE o.task_id = i.task_id`;
	const terminal = sql.raw(`(${TERMINAL_STATUSES.map((s) => `'${s}'`).join(", ")})`);
	const completed = sql.raw(`(${COMPLETED_STATUSES.map((s) => `'${s}'`).join(", ")})`);
	const timed = sql`c.counted AND c.d IS NOT NULL`;
	const values = [
		sql`sum(c.fresh)`,
		sql`sum(c.counted AND c.status IN ${completed})`,
		sql`sum(c.counted AND c.status = 'FAILED')`,
		sql`sum(c.counted AND c.status = 'CANCELED')`,
		sql`sum(${timed})`,
		sql`total(CASE WHEN ${timed} THEN c.d ELSE 0 END)`,
		...METRICS_BUCKETS.map((le) => sql`sum(${timed} AND c.d <= ${sql.raw(String(le))})`),
	];
	const rows = sql`SELECT i.tenant_id, i.task_type, i.status, i.duration_seconds AS d,
		NOT EXISTS (${stored}) AS fresh,
		(i.status IN ${terminal} AND NOT EXISTS (${stored} AND (o.version >= i.version OR (o.status = i.status AND o.attempt = i.attempt)))) AS counted
		FROM ${incoming} AS i`;
	// The WHERE is required: without it SQLite would parse ON CONFLICT as a join constraint.
	return upsert(
		db,
		sql`SELECT c.tenant_id, c.task_type, ${sql.join(values, sql`, `)}
			FROM (${rows}) AS c WHERE 1 = 1 GROUP BY c.tenant_id, c.task_type HAVING sum(c.fresh) + sum(c.counted) > 0`,
	);
}

/**
 * The counters of every row history holds, for a deployment that had history before them:
 * migrations/0007_stats_rollup_backfill.sql runs this statement (test/history-metrics.test.ts checks).
 */
export function counterBackfill(db: HistoryDb) {
	const d = sql`t.duration_seconds`;
	const terminalCount = (statuses: readonly string[]) =>
		sql`coalesce(sum(t.status IN (${sql.raw(statuses.map((s) => `'${s}'`).join(", "))})), 0)`;
	return upsert(
		db,
		sql`SELECT t.tenant_id, t.task_type, count(*), ${terminalCount(COMPLETED_STATUSES)},
			${terminalCount(["FAILED"])}, ${terminalCount(["CANCELED"])}, count(${d}), coalesce(sum(${d}), 0),
			${sql.join(
				METRICS_BUCKETS.map((le) => sql`coalesce(sum(${d} <= ${sql.raw(String(le))}), 0)`),
				sql`, `,
			)}
			FROM ${tasks} AS t WHERE 1 = 1 GROUP BY t.tenant_id, t.task_type`,
	);
}

export type CounterRow = typeof taskCounters.$inferSelect;

/** The counters of one tenant, or of every tenant (null: the service-wide scrape). */
export function readCounters(db: HistoryDb, tenant: string | null): Promise<CounterRow[]> {
	const query = db.select().from(taskCounters);
	return (tenant === null ? query : query.where(eq(taskCounters.tenant_id, tenant))).orderBy(
		taskCounters.tenant_id,
		taskCounters.task_type,
	);
}
