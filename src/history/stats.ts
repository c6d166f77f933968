/** Aggregates over history for statistics and metrics: each one query over an index. */
import { and, count, isNotNull, sql, sum } from "drizzle-orm";
import type { HistoryDb } from "./db";
import { type TaskQuery, taskConditions } from "./list";
import { tasks } from "./schema";

export interface TaskGroup {
	status: string;
	task_type: string;
	count: number;
	duration_sum: number;
	duration_count: number;
}

/** The columns of a TaskGroup, for every query that groups tasks by status and type. */
function groupColumns() {
	return {
		status: tasks.status,
		task_type: tasks.task_type,
		count: count(),
		duration_sum: sql<number>`coalesce(${sum(tasks.duration_seconds)}, 0)`.mapWith(Number),
		duration_count: count(tasks.duration_seconds),
	};
}

export function taskGroupsQuery(db: HistoryDb, tenant: string, q: TaskQuery) {
	return db
		.select(groupColumns())
		.from(tasks)
		.where(and(...taskConditions(db, tenant, q, false)))
		.groupBy(tasks.status, tasks.task_type);
}

/**
 * The nearest-rank 50th and 95th percentile durations, ranked by a window function so the
 * database returns one row rather than every duration.
 */
export function durationPercentilesQuery(db: HistoryDb, tenant: string, q: TaskQuery) {
	const ranked = db
		.select({
			duration: sql<number>`${tasks.duration_seconds}`.as("duration"),
			rank: sql<number>`row_number() over (order by ${tasks.duration_seconds})`.as("rank"),
			n: sql<number>`count(*) over ()`.as("n"),
		})
		.from(tasks)
		.where(and(...taskConditions(db, tenant, q, false), isNotNull(tasks.duration_seconds)))
		.as("ranked");
	return db
		.select({
			p50: sql<number | null>`max(case when ${ranked.rank} = (${ranked.n} * 50 + 99) / 100 then ${ranked.duration} end)`,
			p95: sql<number | null>`max(case when ${ranked.rank} = (${ranked.n} * 95 + 99) / 100 then ${ranked.duration} end)`,
		})
		.from(ranked);
}

export async function aggregateTasks(
	db: HistoryDb,
	tenant: string,
	q: TaskQuery,
): Promise<{ groups: TaskGroup[]; p50: number | null; p95: number | null }> {
	const [groups, percentiles] = await db.batch([taskGroupsQuery(db, tenant, q), durationPercentilesQuery(db, tenant, q)]);
	return { groups, p50: percentiles[0]?.p50 ?? null, p95: percentiles[0]?.p95 ?? null };
}

/** Upper bounds (seconds) of the duration histogram's buckets; +Inf is the count. */
export const DURATION_BUCKETS = [0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 1800, 3600, 10800] as const;

export type TaskMetricsRow = TaskGroup & { buckets: number[] };

/** Per status and type over all retained history: the count, and the durations under each bucket. */
export async function taskMetrics(db: HistoryDb, tenant: string): Promise<TaskMetricsRow[]> {
	const buckets = Object.fromEntries(
		DURATION_BUCKETS.map((le, i) => [`le_${i}`, sql<number>`coalesce(sum(${tasks.duration_seconds} <= ${le}), 0)`.mapWith(Number)]),
	);
	const rows = await db
		.select({ ...groupColumns(), ...buckets })
		.from(tasks)
		.where(and(...taskConditions(db, tenant, {}, false)))
		.groupBy(tasks.status, tasks.task_type);
	return rows.map((row) => ({ ...row, buckets: DURATION_BUCKETS.map((_, i) => Number((row as Record<string, unknown>)[`le_${i}`] ?? 0)) }));
}
