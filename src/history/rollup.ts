/**
 * The hourly rollup of finished tasks (schema.ts task_stats_hourly): the statements that keep
 * it equal to an aggregate over the terminal rows of `tasks`, and the reads statistics use.
 * Every change is an "add this contribution" upsert, negative to take rows out, so a snapshot
 * write, retention and a backfill share one statement shape.
 */
import { and, eq, inArray, type SQL, sql } from "drizzle-orm";
import { TERMINAL_STATUSES } from "../task/task";
import type { HistoryDb } from "./db";
import { ROLLUP_BUCKETS, taskStatsHourly, tasks } from "./schema";

export const HOUR_MS = 3_600_000;

const BUCKET_COLUMNS = [...ROLLUP_BUCKETS, Number.POSITIVE_INFINITY].map((_, i) => `b${i}`);
const column = (name: string) => sql.raw(`"${name}"`);
const terminal = sql.raw(`(${TERMINAL_STATUSES.map((s) => `'${s}'`).join(", ")})`);

/** Whether `d` falls in bucket i: (bound[i-1], bound[i]], the first open below, the last above. */
function inBucket(d: SQL, i: number): SQL {
	const upper = i < ROLLUP_BUCKETS.length ? sql`${d} <= ${sql.raw(String(ROLLUP_BUCKETS[i]))}` : sql`1`;
	return i === 0 ? upper : sql`${d} > ${sql.raw(String(ROLLUP_BUCKETS[i - 1]))} AND ${upper}`;
}

/**
 * Adds `sign` × the contribution of the terminal rows of `source` matching `where`. `source`
 * has the columns of `tasks` the rollup needs (tenant_id, created_at, task_type, status,
 * duration_seconds), so a bound snapshot and stored rows go through the same aggregate.
 */
function addContribution(db: HistoryDb, source: SQL, where: SQL, sign: 1 | -1) {
	const s = sql.raw(String(sign));
	const d = sql`t.duration_seconds`;
	const buckets = sql.join(
		BUCKET_COLUMNS.map((_, i) => sql`${s} * coalesce(sum(${inBucket(d, i)}), 0)`),
		sql`, `,
	);
	const adds: Record<string, SQL> = Object.fromEntries(
		["count", "duration_count", "duration_sum", ...BUCKET_COLUMNS].map((c) => [c, sql`${column(c)} + excluded.${column(c)}`]),
	);
	// The bounds only widen: a contribution taken out cannot say what the rest's bounds are.
	if (sign === 1) {
		adds.duration_min = sql`coalesce(min("duration_min", excluded."duration_min"), "duration_min", excluded."duration_min")`;
		adds.duration_max = sql`coalesce(max("duration_max", excluded."duration_max"), "duration_max", excluded."duration_max")`;
	}
	const bounds = sign === 1 ? sql`min(${d}), max(${d})` : sql`NULL, NULL`;
	// The WHERE is required: without it SQLite would parse ON CONFLICT as a join constraint.
	return db
		.insert(taskStatsHourly)
		.select(
			sql`SELECT t.tenant_id, t.created_at - t.created_at % ${HOUR_MS}, t.task_type, t.status,
				${s} * count(*), ${s} * count(${d}), ${s} * coalesce(sum(${d}), 0), ${buckets}, ${bounds}
			FROM ${source} AS t WHERE t.status IN ${terminal} AND (${where})
			GROUP BY t.tenant_id, t.created_at - t.created_at % ${HOUR_MS}, t.task_type, t.status`,
		)
		.onConflictDoUpdate({
			target: [taskStatsHourly.tenant_id, taskStatsHourly.hour, taskStatsHourly.task_type, taskStatsHourly.status],
			set: adds,
		});
}

/**
 * Whether incoming `i` replaces stored `o`. A task re-created after its object purged itself
 * (an Idempotency-Key used again) starts at version 1 with a later creation time: ordering by
 * (created_at, version) lets it replace the old task's row instead of being refused for good.
 */
const replaces = (o: string, i: string) =>
	sql.raw(`(${i}.created_at > ${o}.created_at OR (${i}.created_at = ${o}.created_at AND ${i}.version > ${o}.version))`);
/** Same contribution to the rollup: same hour's row, status and duration. */
const same = (o: string, i: string) =>
	sql.raw(`(${o}.status = ${i}.status AND ${o}.duration_seconds IS ${i}.duration_seconds AND ${o}.created_at = ${i}.created_at)`);

/**
 * The rollup statements for a write of the snapshots `incoming` (a subquery with the columns of
 * `tasks`, one row per task), to run in its batch BEFORE the upsert: both read the rows as they
 * were, and each counts a task only when its snapshot will replace the stored one and its
 * contribution changes. A repeated or late flush therefore adds nothing; a FAILED task retried
 * takes its FAILED count back out; a re-created task takes its predecessor's out; a task is
 * counted once. Non-terminal writes cost indexed reads and no rows written.
 */
export function rollupSnapshotWrites(db: HistoryDb, incoming: SQL) {
	const replaced = sql`(SELECT o.* FROM ${incoming} AS i JOIN ${tasks} AS o ON o.task_id = i.task_id
		WHERE ${replaces("o", "i")} AND NOT ${same("o", "i")})`;
	const kept = sql`SELECT 1 FROM ${tasks} AS o WHERE o.task_id = t.task_id AND NOT (${replaces("o", "t")} AND NOT ${same("o", "t")})`;
	return [addContribution(db, replaced, sql`1 = 1`, -1), addContribution(db, incoming, sql`NOT EXISTS (${kept})`, 1)] as const;
}

/**
 * Retention: takes the rows `rowids` selects out of the rollup, then drops the rollup rows of
 * their hours that are down to zero, including those a retry emptied earlier (a retried task
 * keeps its hour, so its last expiry clears them). Both run before the rows are deleted.
 */
export function rollupDeletes(db: HistoryDb, rowids: SQL) {
	const r = taskStatsHourly;
	return [
		addContribution(db, sql`${tasks}`, sql`t.rowid IN (${rowids})`, -1),
		db.delete(r).where(
			sql`${r.count} <= 0 AND (${r.tenant_id}, ${r.hour}) IN
					(SELECT t.tenant_id, t.created_at - t.created_at % ${HOUR_MS} FROM ${tasks} t WHERE t.rowid IN (${rowids}))`,
		),
	] as const;
}

/** Per status and type over the hours [from, to): what statistics read instead of the tasks. */
export function rollupGroupsQuery(db: HistoryDb, tenant: string, types: readonly string[] | undefined, from: number, to: number) {
	const where = [eq(taskStatsHourly.tenant_id, tenant), sql`${taskStatsHourly.hour} >= ${from}`, sql`${taskStatsHourly.hour} < ${to}`];
	if (types?.length) {
		where.push(inArray(taskStatsHourly.task_type, [...types]));
	}
	return db
		.select({
			status: taskStatsHourly.status,
			task_type: taskStatsHourly.task_type,
			count: sql<number>`sum(${taskStatsHourly.count})`.mapWith(Number),
			duration_sum: sql<number>`sum(${taskStatsHourly.duration_sum})`.mapWith(Number),
			duration_count: sql<number>`sum(${taskStatsHourly.duration_count})`.mapWith(Number),
			buckets: sql<string>`json_array(${sql.join(
				BUCKET_COLUMNS.map((c) => sql`sum(${column(c)})`),
				sql`, `,
			)})`,
			duration_min: sql<number | null>`min(${taskStatsHourly.duration_min})`,
			duration_max: sql<number | null>`max(${taskStatsHourly.duration_max})`,
		})
		.from(taskStatsHourly)
		.where(and(...where))
		.groupBy(taskStatsHourly.status, taskStatsHourly.task_type);
}

/** The same buckets over raw rows of `tasks`, as a JSON array column for a grouped select. */
export function durationBucketsColumn(): SQL<string> {
	const d = sql`${tasks.duration_seconds}`;
	return sql<string>`json_array(${sql.join(
		BUCKET_COLUMNS.map((_, i) => sql`coalesce(sum(${inBucket(d, i)}), 0)`),
		sql`, `,
	)})`;
}

/**
 * The p-th percentile (0 < p < 1) of a bucketed distribution whose values lie in [min, max]:
 * the nearest rank's bucket, then linear interpolation inside it, with the bucket's bounds
 * narrowed to [min, max] — so the answer is never outside what was observed, and the highest
 * rank answers the maximum itself.
 */
export function bucketPercentile(counts: readonly number[], p: number, min: number, max: number): number | null {
	const n = counts.reduce((a, b) => a + b, 0);
	if (n === 0) {
		return null;
	}
	const rank = Math.ceil(n * p);
	let below = 0;
	for (const [i, c] of counts.entries()) {
		if (c > 0 && below + c >= rank) {
			const lower = Math.max(min, i === 0 ? 0 : (ROLLUP_BUCKETS[i - 1] ?? 0));
			const upper = Math.max(lower, Math.min(max, ROLLUP_BUCKETS[i] ?? max));
			return Math.round((lower + ((upper - lower) * (rank - below)) / c) * 1000) / 1000;
		}
		below += c;
	}
	return null;
}

export const BUCKET_COUNT = BUCKET_COLUMNS.length;

/**
 * The rollup of every row `tasks` holds: migrations/0005_stats_rollup_backfill.sql is this
 * statement (test/history-rollup.test.ts checks), so history written before the rollup counts.
 */
export function rollupBackfill(db: HistoryDb) {
	return addContribution(db, sql`${tasks}`, sql`1 = 1`, 1);
}
