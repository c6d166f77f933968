/** Crafted history rows for list, stats and retention tests, written through saveTaskSnapshot. */
import { env } from "cloudflare:workers";
import { DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT_SECONDS, taskTypeOf } from "../../src/execute/task-types";
import { historyDb } from "../../src/history/db";
import { saveTaskSnapshot } from "../../src/history/tasks";
import { newTaskId } from "../../src/task/ids";
import { createTask, type NewTask } from "../../src/task/machine";
import { isTerminal, type Task, toPublicTask } from "../../src/task/task";

export const HOUR = 3_600_000;

/**
 * A task snapshot as the object would flush it: created by the machine's own createTask, then
 * moved to `status` with the times a finished task has; `created_at` and `duration_seconds`
 * drive those times.
 */
export function craftTask(over: Partial<Task> & { task_name?: string } = {}): Task {
	const name = over.task_name ?? "demo.sleep";
	const type = taskTypeOf(name);
	const status = over.status ?? "PENDING";
	const created = over.created_at ?? new Date().toISOString();
	const duration = "duration_seconds" in over ? (over.duration_seconds ?? null) : isTerminal(status) ? 1 : null;
	const completed = isTerminal(status) ? new Date(Date.parse(created) + (duration ?? 0) * 1000).toISOString() : null;
	// The tenant is no part of a snapshot (seed() names it); the limits are the defaults.
	const spec: NewTask = {
		task_id: newTaskId(),
		tenant: "",
		task_name: name,
		task_type: type.type,
		task_type_display: type.display,
		namespace: "default",
		priority: 0,
		payload: null,
		max_retries: DEFAULT_MAX_RETRIES,
		timeout_seconds: DEFAULT_TIMEOUT_SECONDS,
		run_at: null,
		metadata: {},
		created_by: null,
		idempotency_key: null,
	};
	const { task } = createTask(spec, { now: Date.parse(created), random: Math.random });
	return {
		...toPublicTask(task),
		status,
		created_at: created,
		started_at: isTerminal(status) ? created : null,
		completed_at: completed,
		duration_seconds: duration,
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
