/**
 * Cancel (Mindia), retry (Mindia) and stop (Celery manager). Mindia cancels only what has not
 * started: that is a precondition of this adapter, read from the task's status, not a rule of
 * the state machine — ours lets a soft cancel reach a running task, which is what `stop` is for.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { ApiError } from "../../../errors";
import { cancelTask, getTask, retryTask } from "../../../services/tasks";
import { isWaiting } from "../../../task/machine";
import type { Task } from "../../../task/task";
import { type App, errorResponses } from "../../openapi";
import { registerWithTwin, TAGS } from "../shared";
import { celeryStateOf, LOWER_STATUSES, lowerStatusOf } from "../vocabulary";
import { TaskIdPath } from "./schema";

const Outcome = z
	.object({ id: z.string(), task_id: z.string(), status: z.enum(LOWER_STATUSES as [string, ...string[]]), message: z.string() })
	.openapi("ApiTaskOutcome");

const StopOutcome = z
	.object({
		success: z.boolean(),
		task_id: z.string(),
		action: z.enum(["soft_stop", "hard_stop"]),
		message: z.string(),
		state: z.string(),
		status: z.string(),
	})
	.openapi("ApiTaskStopOutcome");

const cancel = createRoute({
	method: "post",
	path: "/api/tasks/{id}/cancel",
	operationId: "apiTasksCancelTask",
	tags: [TAGS.apiTasks],
	summary: "Cancel a pending or scheduled task (Mindia)",
	description: "Only a task that has not started (pending, scheduled, queued); otherwise 409. To stop a running task, use /stop.",
	request: { params: TaskIdPath },
	responses: { 200: { description: "Cancelled", content: { "application/json": { schema: Outcome } } }, ...errorResponses },
});

const retry = createRoute({
	method: "post",
	path: "/api/tasks/{id}/retry",
	operationId: "apiTasksRetryTask",
	tags: [TAGS.apiTasks],
	summary: "Retry a failed task within max_retries (Mindia)",
	request: { params: TaskIdPath },
	responses: { 200: { description: "Queued again", content: { "application/json": { schema: Outcome } } }, ...errorResponses },
});

const stop = createRoute({
	method: "post",
	path: "/api/tasks/{id}/stop/",
	operationId: "apiTasksStopTask",
	tags: [TAGS.apiTasks],
	summary: "Stop a task, soft or hard (Celery manager)",
	description:
		'Soft (default): a waiting task is revoked at once, a running one finishes its current operation and stops. `{"hard": true}`: revoked at once, its worker\'s later reports are discarded.',
	request: {
		params: TaskIdPath,
		body: { required: false, content: { "application/json": { schema: z.object({ hard: z.boolean().optional() }) } } },
	},
	responses: { 200: { description: "Stopped", content: { "application/json": { schema: StopOutcome } } }, ...errorResponses },
});

/**
 * What a cancel did, in words: CANCELED at once, or — a running task under a soft cancel —
 * only asked to stop, which a client must not read as done.
 */
function outcomeOf(task: Task, done: string, requested: string): string {
	return task.status === "CANCELED" ? done : `${requested}: the task is still ${lowerStatusOf(task.status)} and stops at its next report`;
}

// Mindia cancels only waiting tasks. Read, then cancel: a task that starts in between gets a
// soft cancel request instead (it stops at its next report); closing that gap would take a
// conditional cancel in the object.

export function registerApiTaskActions(app: App) {
	registerWithTwin(app, cancel, async (c) => {
		const id = c.req.valid("param").id;
		const current = await getTask(c.env, c.executionCtx, c.var.caller, id);
		if (!isWaiting(current.status)) {
			throw new ApiError("CONFLICT", `only pending or scheduled tasks can be cancelled; task is ${lowerStatusOf(current.status)}`);
		}
		const task = await cancelTask(c.env, c.var.caller, id, "soft");
		const message = outcomeOf(task, "Task cancelled successfully", "Cancellation requested");
		return c.json({ id: task.task_id, task_id: task.task_id, status: lowerStatusOf(task.status), message }, 200);
	});

	registerWithTwin(app, retry, async (c) => {
		const id = c.req.valid("param").id;
		const task = await retryTask(c.env, c.var.caller, id, false);
		return c.json(
			{ id: task.task_id, task_id: task.task_id, status: lowerStatusOf(task.status), message: "Task scheduled for retry" },
			200,
		);
	});

	registerWithTwin(app, stop, async (c) => {
		const id = c.req.valid("param").id;
		const hard = c.req.valid("json").hard ?? false;
		const task = await cancelTask(c.env, c.var.caller, id, hard ? "hard" : "soft");
		return c.json(
			{
				success: true,
				task_id: task.task_id,
				action: hard ? ("hard_stop" as const) : ("soft_stop" as const),
				message: outcomeOf(task, `Task ${hard ? "terminated" : "revoked"} successfully`, "Revoke requested"),
				state: celeryStateOf(task),
				status: lowerStatusOf(task.status),
			},
			200,
		);
	});
}
