/**
 * Admission control stand-in: every task that asks for a turn gets one at once. The namespace
 * dispatcher (priority order, concurrency slots, per-type rate limits) replaces this function;
 * until then a namespace has no concurrency limit.
 */
import type { TaskEvent } from "../task/machine";
import type { TaskRecord } from "../task/task";

export function requestDispatch(task: TaskRecord): TaskEvent | null {
	return task.status === "PENDING" ? { type: "dispatch" } : null;
}
