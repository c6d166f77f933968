/** Finished tasks per time bucket, for the dashboard's throughput chart (GET /v1/tasks/stats/throughput). */
import { and, count, isNotNull, sql } from "drizzle-orm";
import { TERMINAL_STATUSES } from "../task/task";
import type { HistoryDb } from "./db";
import { type TaskQuery, taskConditions } from "./list";
import { tasks } from "./schema";

export interface FinishedCount {
	/** Epoch ms: the start of the bucket the tasks finished in. */
	bucket: number;
	status: string;
	count: number;
}

/**
 * Terminal tasks matching `q` (created in its window, like the statistics), counted per
 * (bucket of completed_at, status). `bucketMs` is a whole number of milliseconds.
 */
export async function finishedPerBucket(db: HistoryDb, tenant: string, q: TaskQuery, bucketMs: number): Promise<FinishedCount[]> {
	if (!Number.isSafeInteger(bucketMs) || bucketMs <= 0) {
		throw new RangeError(`bucketMs must be a positive integer, not ${bucketMs}`);
	}
	// A literal, not a parameter: a bound number may arrive as REAL, and the division must be an
	// integer one to floor completed_at to its bucket.
	const size = sql.raw(String(bucketMs));
	const bucket = sql<number>`(${tasks.completed_at} / ${size}) * ${size}`.mapWith(Number);
	return db
		.select({ bucket, status: tasks.status, count: count() })
		.from(tasks)
		.where(and(...taskConditions(db, tenant, { ...q, status: TERMINAL_STATUSES }, false), isNotNull(tasks.completed_at)))
		.groupBy(bucket, tasks.status);
}
