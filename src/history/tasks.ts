import { and, eq, sql } from "drizzle-orm";
import type { Task } from "../task/task";
import type { HistoryDb } from "./db";
import { tasks } from "./schema";

const ms = (value: string | null): number | null => (value === null ? null : Date.parse(value));

/**
 * Writes the task's snapshot. Only a newer version replaces an older one, so a late or
 * repeated flush (alarms are at-least-once) can never move history backwards.
 * Returns the rows D1 reports written (index rows included), for the cost accounting.
 */
export async function saveTaskSnapshot(db: HistoryDb, tenant: string, task: Task): Promise<number> {
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
		created_at: Date.parse(task.created_at),
		completed_at: ms(task.completed_at),
		duration_seconds: task.duration_seconds,
		metadata: JSON.stringify(task.metadata),
		snapshot: JSON.stringify(task),
		version: task.version,
	};
	const { task_id: _id, tenant_id: _tenant, created_at: _created, ...changes } = row;
	const result = await db
		.insert(tasks)
		.values(row)
		.onConflictDoUpdate({ target: tasks.task_id, set: changes, setWhere: sql`excluded.version > ${tasks.version}` });
	return result.meta.rows_written ?? 0;
}

export async function findTaskSnapshot(db: HistoryDb, tenant: string, taskId: string): Promise<Task | null> {
	const row = await db
		.select({ snapshot: tasks.snapshot })
		.from(tasks)
		.where(and(eq(tasks.tenant_id, tenant), eq(tasks.task_id, taskId)))
		.get();
	return row ? (JSON.parse(row.snapshot) as Task) : null;
}
