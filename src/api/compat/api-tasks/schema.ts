/**
 * One task as the `/api/tasks` family shows it: Mindia's fields (`id`, `type`, lower-case
 * `status`, `error`) beside the Celery manager's (`task_id`, `task_name`, `task_type`,
 * `task_type_display`, `state`, `percent`/`total`/`done`, `meta`, `retries`, `finished_at`),
 * so either client finds what it reads.
 */
import { z } from "@hono/zod-openapi";
import { isCompleted, isTerminal, type Task } from "../../../task/task";
import { celeryStateOf, LOWER_STATUSES, lowerStatusOf } from "../vocabulary";

const time = z.string().nullable().openapi({ format: "date-time" });

export const ApiTaskSchema = z
	.object({
		id: z.string(),
		task_id: z.string(),
		type: z.string().openapi({ example: "VideoTranscoding" }),
		task_name: z.string(),
		task_type: z.string(),
		task_type_display: z.string(),
		status: z.enum(LOWER_STATUSES as [string, ...string[]]),
		state: z.enum(["PENDING", "STARTED", "SUCCESS", "FAILURE", "REVOKED", "RETRY"]),
		priority: z.number().int(),
		payload: z.unknown(),
		result: z.unknown(),
		error: z.string().nullable(),
		created_at: z.string(),
		enqueued_at: time,
		started_at: time,
		completed_at: time,
		finished_at: time,
		retry_count: z.number().int(),
		retries: z.number().int(),
		max_retries: z.number().int(),
		timeout_seconds: z.number().int(),
		percent: z.number().nullable(),
		total: z.number().nullable(),
		done: z.number().nullable(),
		namespace: z.string(),
		tenant_id: z.string().nullable().openapi({ description: "metadata.tenant_id (the Celery manager's own tenant field)" }),
		created_by_id: z.string().nullable(),
		meta: z.record(z.string(), z.string()),
	})
	.openapi("ApiTask");

export const ApiTaskDetailSchema = ApiTaskSchema.extend({
	live_state: z.string(),
	ready: z.boolean(),
	successful: z.boolean(),
	in_db: z.boolean(),
}).openapi("ApiTaskDetail");

export type ApiTask = z.infer<typeof ApiTaskSchema>;

export function apiTaskOf(task: Task): ApiTask {
	return {
		id: task.task_id,
		task_id: task.task_id,
		type: task.task_type,
		task_name: task.task_name,
		task_type: task.task_type,
		task_type_display: task.task_type_display,
		status: lowerStatusOf(task.status),
		state: celeryStateOf(task),
		priority: task.priority,
		payload: task.payload,
		result: task.result,
		error: task.error_message,
		created_at: task.created_at,
		enqueued_at: task.queued_at,
		started_at: task.started_at,
		completed_at: task.completed_at,
		finished_at: task.completed_at,
		retry_count: task.retry_count,
		retries: task.retry_count,
		max_retries: task.max_retries,
		timeout_seconds: task.timeout_seconds,
		percent: task.progress?.percent ?? null,
		total: task.progress?.total ?? null,
		done: task.progress?.done ?? null,
		namespace: task.namespace,
		tenant_id: task.metadata.tenant_id ?? null,
		created_by_id: task.created_by,
		meta: task.metadata,
	};
}

/** The detail view adds Celery's AsyncResult answers; our state is live, so live_state is state. */
export function apiTaskDetailOf(task: Task): z.infer<typeof ApiTaskDetailSchema> {
	const item = apiTaskOf(task);
	return {
		...item,
		live_state: item.state,
		ready: isTerminal(task.status),
		successful: isCompleted(task.status),
		in_db: true,
	};
}

export const TaskIdPath = z.object({
	id: z.string().openapi({ param: { name: "id", in: "path" }, example: "01936f6e-8b9a-7c3d-9e2f-0a1b2c3d4e5f" }),
});
