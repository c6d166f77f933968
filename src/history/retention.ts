/** Retention of history rows: finished tasks go some days after completion, live ones never. */
import { lt, sql } from "drizzle-orm";
import type { HistoryDb } from "./db";
import { rollupDeletes } from "./rollup";
import { taskMetadata, tasks } from "./schema";

/**
 * Deletes up to `limit` tasks that finished before `cutoff` (epoch ms), and their metadata
 * rows, in one batch (D1's transaction). A live task has no completed_at, so it never matches.
 * There is no completed_at index (it would cost a row on every terminal write): the scan runs
 * in rowid order, oldest first, so it finds expired rows early and stops at the limit.
 * The statistics rollup loses their counts in the same batch. Returns how many tasks went.
 */
export async function deleteExpiredTasks(db: HistoryDb, cutoff: number, limit: number): Promise<number> {
	const [metadata, rows] = expiredTaskDeletes(db, cutoff, limit);
	const [, , , deleted] = await db.batch([...rollupDeletes(db, expiredRowids(cutoff, limit)), metadata, rows]);
	return deleted.meta.changes ?? 0;
}

const expiredRowids = (cutoff: number, limit: number) =>
	sql`SELECT rowid FROM ${tasks} WHERE ${lt(tasks.completed_at, cutoff)} LIMIT ${limit}`;

/** The two statements, exposed so tests can EXPLAIN them. */
export function expiredTaskDeletes(db: HistoryDb, cutoff: number, limit: number) {
	const expired = expiredRowids(cutoff, limit);
	// Every statement picks the same rows: none before the last changes a task, so the scans repeat.
	const metadata = db.delete(taskMetadata).where(
		sql`(${taskMetadata.tenant_id}, ${taskMetadata.key}, ${taskMetadata.value}, ${taskMetadata.created_at}, ${taskMetadata.task_id}) IN
			(SELECT t.tenant_id, j.key, j.value, t.created_at, t.task_id FROM ${tasks} t, json_each(t.metadata) j WHERE t.rowid IN (${expired}))`,
	);
	const rows = db.delete(tasks).where(sql`rowid IN (${expired})`);
	return [metadata, rows] as const;
}
