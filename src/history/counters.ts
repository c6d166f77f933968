/**
 * The /metrics counters (schema.ts task_counters): each transition is counted once, in the batch
 * of the snapshot write that brings it to history, and nothing ever subtracts, so retention and
 * retries cannot lower a `_total`. A transition is what history receives: creation (the first
 * write of a task) and each terminal status of an attempt; a terminal status that a manual retry
 * overtook before it was flushed is not seen, and not counted.
 */
import { eq, type SQL, sql } from "drizzle-orm";
import { COMPLETED_STATUSES, isCompleted, isTerminal, type Task } from "../task/task";
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
 * The counter statement for a snapshot write, to run in its batch BEFORE the upsert (it reads
 * the row as it was): `created` when history has no row yet; the terminal status and duration
 * when the write is newer than the stored row and that row is not already this status of this
 * attempt. A repeated or late flush counts nothing; writes nothing when nothing counts.
 */
export function counterSnapshotWrites(db: HistoryDb, tenant: string, task: Task) {
	const stored = sql`SELECT 1 FROM ${tasks} o WHERE o.task_id = ${task.task_id}`;
	const counted = isTerminal(task.status)
		? sql`NOT EXISTS (${stored} AND (o.version >= ${task.version} OR (o.status = ${task.status} AND o.attempt = ${task.attempt})))`
		: sql`0`;
	const d = task.duration_seconds;
	const when = (flag: boolean) => (flag ? sql`c.counted` : sql`0`);
	const values = [
		sql`c.fresh`,
		when(isCompleted(task.status)),
		when(task.status === "FAILED"),
		when(task.status === "CANCELED"),
		when(d !== null),
		d === null ? sql`0` : sql`c.counted * ${d}`,
		...METRICS_BUCKETS.map((le) => when(d !== null && d <= le)),
	];
	// The WHERE is required: without it SQLite would parse ON CONFLICT as a join constraint.
	return [
		upsert(
			db,
			sql`SELECT ${tenant}, ${task.task_type}, ${sql.join(values, sql`, `)}
				FROM (SELECT NOT EXISTS (${stored}) AS fresh, ${counted} AS counted) AS c WHERE c.fresh OR c.counted`,
		),
	] as const;
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
