/** Crafted history rows for list, stats and retention tests, written through saveTaskSnapshot. */
import { env } from "cloudflare:workers";
import { taskTypeOf } from "../../src/execute/task-types";
import { historyDb } from "../../src/history/db";
import { saveTaskSnapshot } from "../../src/history/tasks";
import { newTaskId } from "../../src/task/ids";
import { isTerminal, type Task } from "../../src/task/task";

export const HOUR = 3_600_000;

/** A task snapshot as the object would flush it; `created_at` and `duration_seconds` drive the times. */
export function craftTask(over: Partial<Task> & { task_name?: string } = {}): Task {
	const name = over.task_name ?? "demo.sleep";
	const type = taskTypeOf(name);
	const status = over.status ?? "PENDING";
	const created = over.created_at ?? new Date().toISOString();
	const duration = "duration_seconds" in over ? (over.duration_seconds ?? null) : isTerminal(status) ? 1 : null;
	const completed = isTerminal(status) ? new Date(Date.parse(created) + (duration ?? 0) * 1000).toISOString() : null;
	return {
		task_id: newTaskId(),
		task_name: name,
		task_type: type.type,
		task_type_display: type.display,
		namespace: "default",
		status,
		priority: 0,
		payload: null,
		result: null,
		error_code: null,
		error_message: null,
		errors: [],
		progress: null,
		attempt: 1,
		retry_count: 0,
		max_retries: 3,
		timeout_seconds: 1800,
		run_at: null,
		created_at: created,
		queued_at: null,
		started_at: isTerminal(status) ? created : null,
		completed_at: completed,
		duration_seconds: duration,
		cancel_requested: false,
		metadata: {},
		created_by: null,
		idempotency_key: null,
		version: isTerminal(status) ? 5 : 1,
		...over,
	};
}

export async function seed(tenant: string, list: Task[]): Promise<Task[]> {
	const db = historyDb(env.DB);
	for (let i = 0; i < list.length; i += 50) {
		await Promise.all(list.slice(i, i + 50).map((task) => saveTaskSnapshot(db, tenant, task)));
	}
	return list;
}

export const ago = (ms: number, now = Date.now()) => new Date(now - ms).toISOString();
