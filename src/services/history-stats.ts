/** Task statistics over history: what GET /v1/tasks/stats and the compat stats routes answer. */
import { DEFAULT_STATS_HOURS, type StatsFilters } from "../contract/task-filters";
import { historyDb } from "../history/db";
import { aggregateTasks } from "../history/stats";
import { COMPLETED_STATUSES, TASK_STATUSES, type TaskStatus } from "../task/task";

/** Upper bounds (s) of the duration buckets the percentiles are interpolated in. */
export { ROLLUP_BUCKETS } from "../history/schema";
export { DEFAULT_STATS_HOURS, type StatsFilters };

export interface TaskStats {
	total: number;
	/** Every status, zeros included. */
	by_status: Record<TaskStatus, number>;
	by_type: Record<string, number>;
	/** PROCESSING. */
	running: number;
	/** COMPLETED and COMPLETED_WITH_ERRORS. */
	completed: number;
	failed: number;
	canceled: number;
	average_duration_seconds: number | null;
	p50_duration_seconds: number | null;
	p95_duration_seconds: number | null;
	/** completed / (completed + failed + canceled); null when nothing has finished. */
	success_rate: number | null;
	/** Tasks created in [from, to); from is null for all retained history. */
	window: { hours_ago: number | null; from: string | null; to: string };
}

const round = (value: number, places: number) => Math.round(value * 10 ** places) / 10 ** places;

/** One round trip: the per-(status, type) aggregate and the two percentiles, batched. */
export async function taskStats(env: Env, tenant: string, filters: StatsFilters, now = Date.now()): Promise<TaskStats> {
	const hours = filters.hours_ago === undefined ? DEFAULT_STATS_HOURS : filters.hours_ago;
	const from = hours === null ? undefined : now - hours * 3_600_000;
	const { groups, p50, p95 } = await aggregateTasks(historyDb(env.DB), tenant, {
		task_type: filters.task_type,
		namespace: filters.namespace,
		metadata: filters.metadata,
		created_from: from,
		created_to: now + 1,
	});
	const by_status = Object.fromEntries(TASK_STATUSES.map((s) => [s, 0])) as Record<TaskStatus, number>;
	const by_type: Record<string, number> = {};
	let durationSum = 0;
	let durationCount = 0;
	for (const group of groups) {
		const status = group.status as TaskStatus;
		by_status[status] = (by_status[status] ?? 0) + group.count;
		by_type[group.task_type] = (by_type[group.task_type] ?? 0) + group.count;
		durationSum += group.duration_sum;
		durationCount += group.duration_count;
	}
	const completed = COMPLETED_STATUSES.reduce((n, s) => n + by_status[s], 0);
	const terminal = completed + by_status.FAILED + by_status.CANCELED;
	return {
		total: groups.reduce((n, g) => n + g.count, 0),
		by_status,
		by_type,
		running: by_status.PROCESSING,
		completed,
		failed: by_status.FAILED,
		canceled: by_status.CANCELED,
		average_duration_seconds: durationCount === 0 ? null : round(durationSum / durationCount, 3),
		p50_duration_seconds: p50,
		p95_duration_seconds: p95,
		success_rate: terminal === 0 ? null : round(completed / terminal, 4),
		window: { hours_ago: hours, from: from === undefined ? null : new Date(from).toISOString(), to: new Date(now).toISOString() },
	};
}
