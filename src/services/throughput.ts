/** Tasks finished per minute, hour or day, by outcome: the statistics chart's series. */
import { DEFAULT_STATS_HOURS, type StatsFilters } from "../contract/task-filters";
import { historyDb } from "../history/db";
import { finishedPerBucket } from "../history/throughput";
import { isCompleted, type TaskStatus } from "../task/task";

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** Minutes up to 3 hours (≤ 180 buckets), hours up to a week (≤ 168), days beyond. */
export function bucketFor(hours: number): number {
	return hours <= 3 ? MINUTE_MS : hours <= 24 * 7 ? HOUR_MS : DAY_MS;
}

export interface ThroughputBucket {
	/** ISO 8601: the bucket's start. */
	start: string;
	/** COMPLETED and COMPLETED_WITH_ERRORS. */
	completed: number;
	failed: number;
	canceled: number;
}

export interface Throughput {
	bucket_seconds: number;
	/** Every bucket from the window's start to now, oldest first, zeros included. */
	buckets: ThroughputBucket[];
	window: { hours_ago: number; from: string; to: string };
}

/**
 * Over the same tasks as taskStats (created in the last `hours_ago` hours, default 24, of some
 * types or one namespace), so the buckets' sums equal its completed, failed and canceled counts.
 */
export async function taskThroughput(env: Env, tenant: string, filters: StatsFilters, now = Date.now()): Promise<Throughput> {
	const hours = filters.hours_ago ?? DEFAULT_STATS_HOURS;
	const from = now - hours * HOUR_MS;
	const size = bucketFor(hours);
	const rows = await finishedPerBucket(
		historyDb(env.DB),
		tenant,
		{ task_type: filters.task_type, namespace: filters.namespace, metadata: filters.metadata, created_from: from, created_to: now + 1 },
		size,
	);
	const first = Math.floor(from / size) * size;
	// A task created in the window may finish after `now` was read: its bucket is still shown.
	const last = Math.max(Math.floor(now / size) * size, ...rows.map((r) => r.bucket));
	const buckets = new Map<number, ThroughputBucket>();
	for (let at = first; at <= last; at += size) {
		buckets.set(at, { start: new Date(at).toISOString(), completed: 0, failed: 0, canceled: 0 });
	}
	for (const row of rows) {
		// A task created in the window finished after it began, so its bucket is never before `first`.
		const bucket = buckets.get(Math.max(row.bucket, first));
		if (!bucket) {
			continue;
		}
		if (isCompleted(row.status as TaskStatus)) {
			bucket.completed += row.count;
		} else if (row.status === "FAILED") {
			bucket.failed += row.count;
		} else if (row.status === "CANCELED") {
			bucket.canceled += row.count;
		}
	}
	return {
		bucket_seconds: size / 1000,
		buckets: [...buckets.values()],
		window: { hours_ago: hours, from: new Date(from).toISOString(), to: new Date(now).toISOString() },
	};
}
