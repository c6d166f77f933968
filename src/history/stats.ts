/** Aggregates over history for statistics and metrics: statistics read the hourly rollup where they can. */
import { and, count, eq, isNotNull, sql, sum } from "drizzle-orm";
import { LIVE_STATUSES, TERMINAL_STATUSES } from "../task/task";
import type { HistoryDb } from "./db";
import { type TaskQuery, taskConditions } from "./list";
import { BUCKET_COUNT, bucketPercentile, durationBucketsColumn, HOUR_MS, rollupGroupsQuery } from "./rollup";
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

/** Seconds: the bounds of the group's durations, which keep its percentiles within them. */
function boundColumns() {
	return {
		duration_min: sql<number | null>`min(${tasks.duration_seconds})`,
		duration_max: sql<number | null>`max(${tasks.duration_seconds})`,
	};
}

/** Per (status, type) over raw rows, with the rollup's duration buckets as a JSON array. */
export function taskGroupsQuery(db: HistoryDb, tenant: string, q: TaskQuery) {
	return db
		.select({ ...groupColumns(), ...boundColumns(), buckets: durationBucketsColumn() })
		.from(tasks)
		.where(and(...taskConditions(db, tenant, q, false)))
		.groupBy(tasks.status, tasks.task_type);
}

/** Live tasks have no duration: counting them by status and type reads the status index alone. */
function liveGroupsQuery(db: HistoryDb, tenant: string, q: TaskQuery) {
	return db
		.select({
			status: tasks.status,
			task_type: tasks.task_type,
			count: count(),
			// Named: D1 returns rows keyed by column name, so two bare `0` columns would collapse.
			duration_sum: sql<number>`0`.mapWith(Number).as("duration_sum"),
			duration_count: sql<number>`0`.mapWith(Number).as("duration_count"),
			duration_min: sql<number | null>`NULL`.as("duration_min"),
			duration_max: sql<number | null>`NULL`.as("duration_max"),
			buckets: sql<string>`'[]'`.as("buckets"),
		})
		.from(tasks)
		.where(and(...taskConditions(db, tenant, { ...q, status: [...LIVE_STATUSES] }, false)))
		.groupBy(tasks.status, tasks.task_type);
}

type StatsQuery = ReturnType<typeof taskGroupsQuery> | ReturnType<typeof liveGroupsQuery> | ReturnType<typeof rollupGroupsQuery>;

/**
 * The queries statistics batch. Filters the rollup keeps (type, time) read it for the whole
 * hours inside the window, plus the live tasks of those hours (the rollup holds finished ones
 * only) and the raw rows of the partial hours at either edge; any other filter (namespace,
 * metadata) aggregates the raw rows of the window. Either way the groups are exact and the
 * percentiles come from duration buckets.
 */
export function statsQueries(db: HistoryDb, tenant: string, q: TaskQuery): [StatsQuery, ...StatsQuery[]] {
	const rollable = q.namespace === undefined && q.metadata === undefined && !q.status && !q.task_name && q.created_by === undefined;
	const from = q.created_from;
	const to = q.created_to;
	const first = from === undefined ? 0 : Math.ceil(from / HOUR_MS) * HOUR_MS;
	const end = to === undefined ? 0 : Math.floor(to / HOUR_MS) * HOUR_MS;
	if (!rollable || to === undefined || end <= first) {
		return [taskGroupsQuery(db, tenant, q)];
	}
	const queries: [StatsQuery, ...StatsQuery[]] = [
		rollupGroupsQuery(db, tenant, q.task_type, first, end),
		liveGroupsQuery(db, tenant, { ...q, created_from: first, created_to: end }),
		taskGroupsQuery(db, tenant, { ...q, created_from: end, created_to: to }),
	];
	if (from !== undefined && from < first) {
		queries.push(taskGroupsQuery(db, tenant, { ...q, created_from: from, created_to: first }));
	}
	return queries;
}

export async function aggregateTasks(
	db: HistoryDb,
	tenant: string,
	q: TaskQuery,
): Promise<{ groups: TaskGroup[]; p50: number | null; p95: number | null }> {
	const results = await db.batch(statsQueries(db, tenant, q));
	const merged = new Map<string, TaskGroup>();
	const buckets: number[] = Array(BUCKET_COUNT).fill(0);
	let min = Number.POSITIVE_INFINITY;
	let max = Number.NEGATIVE_INFINITY;
	for (const row of results.flat()) {
		const key = `${row.status}\u0000${row.task_type}`;
		const group = merged.get(key) ?? { status: row.status, task_type: row.task_type, count: 0, duration_sum: 0, duration_count: 0 };
		group.count += row.count;
		group.duration_sum += row.duration_sum;
		group.duration_count += row.duration_count;
		merged.set(key, group);
		for (const [i, n] of (JSON.parse(row.buckets) as number[]).entries()) {
			buckets[i] = (buckets[i] ?? 0) + n;
		}
		min = Math.min(min, row.duration_min ?? min);
		max = Math.max(max, row.duration_max ?? max);
	}
	// The rollup's sums hold zero groups once retention or a retry took their tasks out.
	const groups = [...merged.values()].filter((g) => g.count > 0);
	const n = buckets.reduce((a, b) => a + b, 0);
	if (n > 0 && n <= EXACT_PERCENTILES_UP_TO) {
		const [p50, p95] = await exactPercentiles(db, tenant, q, n, [0.5, 0.95]);
		return { groups, p50, p95 };
	}
	return { groups, p50: bucketPercentile(buckets, 0.5, min, max), p95: bucketPercentile(buckets, 0.95, min, max) };
}

/**
 * Up to this many finished tasks in the window, percentiles are exact: reading that many
 * durations in order costs a few ms. Beyond it they are interpolated in the rollup's buckets,
 * within the observed minimum and maximum (rollup.ts bucketPercentile).
 */
export const EXACT_PERCENTILES_UP_TO = 10_000;

/** Nearest-rank percentiles (seconds) of the `n` durations of the window's finished tasks: one row each, batched. */
async function exactPercentiles(
	db: HistoryDb,
	tenant: string,
	q: TaskQuery,
	n: number,
	ps: [number, number],
): Promise<[number | null, number | null]> {
	// The terminal statuses let the status index skip live tasks, which have no duration.
	const where = and(...taskConditions(db, tenant, { ...q, status: TERMINAL_STATUSES }, false), isNotNull(tasks.duration_seconds));
	const at = (p: number) =>
		db
			.select({ d: tasks.duration_seconds })
			.from(tasks)
			.where(where)
			.orderBy(tasks.duration_seconds)
			.limit(1)
			.offset(Math.ceil(n * p) - 1);
	const [a, b] = await db.batch([at(ps[0]), at(ps[1])]);
	return [a[0]?.d ?? null, b[0]?.d ?? null];
}

/** Tasks per tenant, status and type in retained history (the /metrics gauge); `tenant` null for every tenant. */
export function tasksByStatus(db: HistoryDb, tenant: string | null) {
	return db
		.select({ tenant_id: tasks.tenant_id, status: tasks.status, task_type: tasks.task_type, count: count() })
		.from(tasks)
		.where(tenant === null ? undefined : eq(tasks.tenant_id, tenant))
		.groupBy(tasks.tenant_id, tasks.status, tasks.task_type)
		.orderBy(tasks.tenant_id, tasks.task_type);
}
