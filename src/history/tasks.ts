import { and, eq, sql } from "drizzle-orm";
import type { Task } from "../task/task";
import { counterSnapshotWrites } from "./counters";
import type { HistoryDb } from "./db";
import { rollupSnapshotWrites } from "./rollup";
import { taskMetadata, tasks } from "./schema";

const ms = (value: string | null): number | null => (value === null ? null : Date.parse(value));

/**
 * Writes the task's snapshot. Only a newer version replaces an older one, so a late or
 * repeated flush (alarms are at-least-once) can never move history backwards.
 * Returns the rows D1 reports written (index rows included), for the cost accounting.
 */
export async function saveTaskSnapshot(db: HistoryDb, tenant: string, task: Task): Promise<number> {
	const created = Date.parse(task.created_at);
	const row = {
		task_id: task.task_id,
		tenant_id: tenant,
		task_name: task.task_name,
		task_type: task.task_type,
		namespace: task.namespace,
		status: task.status,
		priority: task.priority,
		attempt: task.attempt,
		retry_count: task.retry_count,
		error_code: task.error_code,
		created_by: task.created_by,
		created_at: created,
		completed_at: ms(task.completed_at),
		duration_seconds: task.duration_seconds,
		metadata: JSON.stringify(task.metadata),
		snapshot: JSON.stringify(task),
		version: task.version,
	};
	// An update names only the columns that can change: SQLite rewrites an index entry when its
	// columns are in the SET list, so leaving out what creation fixed (name, type, namespace,
	// creator, metadata) keeps their index rows, and their D1 cost, to the insert alone.
	const {
		task_id: _id,
		tenant_id: _tenant,
		created_at: _created,
		task_name: _name,
		task_type: _type,
		namespace: _ns,
		created_by: _by,
		metadata: _meta,
		...changes
	} = row;
	const upsert = db
		.insert(tasks)
		.values(row)
		.onConflictDoUpdate({ target: tasks.task_id, set: changes, setWhere: sql`excluded.version > ${tasks.version}` });
	// The rollup's and the counters' statements read the row as it was, so they go before the upsert.
	const rollup = [...rollupSnapshotWrites(db, tenant, task, created), ...counterSnapshotWrites(db, tenant, task)] as const;
	if (Object.keys(task.metadata).length === 0) {
		return rowsWritten(await db.batch([...rollup, upsert]));
	}
	// json_each keeps this one statement with a few parameters however many keys there are (D1
	// allows 100 bound parameters per query). It runs before the upsert and only while the task
	// has no row yet: D1 counts a conflicting insert as rows written, so later flushes must not try.
	const keys = db
		.insert(taskMetadata)
		.select(
			sql`SELECT ${tenant}, key, value, ${created}, ${task.task_id} FROM json_each(${row.metadata})
				WHERE NOT EXISTS (SELECT 1 FROM ${tasks} WHERE ${tasks.task_id} = ${task.task_id})`,
		)
		.onConflictDoNothing();
	return rowsWritten(await db.batch([keys, ...rollup, upsert]));
}

const rowsWritten = (results: readonly { meta: { rows_written?: number } }[]) =>
	results.reduce((sum, result) => sum + (result.meta.rows_written ?? 0), 0);

export async function findTaskSnapshot(db: HistoryDb, tenant: string, taskId: string): Promise<Task | null> {
	const row = await db
		.select({ snapshot: tasks.snapshot })
		.from(tasks)
		.where(and(eq(tasks.tenant_id, tenant), eq(tasks.task_id, taskId)))
		.get();
	return row ? (JSON.parse(row.snapshot) as Task) : null;
}
