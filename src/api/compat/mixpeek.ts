/**
 * Mixpeek's kill: a hard cancel, answered as Mixpeek's GenericDeleteResponse. Mixpeek documents
 * kill as idempotent — it succeeds for a task already finished or not there — so those are 200
 * with a message saying so, not 409/404. `GET /v1/tasks/{id}` is our own route (the same
 * resource), and `POST /v1/tasks/list` is the history list, which accepts Mixpeek's body.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { ApiError } from "../../errors";
import { cancelTask, getTask } from "../../services/tasks";
import { type App, errorResponses } from "../openapi";
import { TaskIdParam } from "../tasks/schema";
import { TAGS } from "./shared";

const KillResponse = z
	.object({
		success: z.boolean(),
		message: z.string(),
		task_id: z.string(),
		status: z.string().nullable().openapi({ description: "The task's status after the kill; null if there is no such task" }),
	})
	.openapi("MixpeekKillResponse");

const responses = {
	200: { description: "Killed (or nothing left to kill)", content: { "application/json": { schema: KillResponse } } },
	...errorResponses,
};

const kill = createRoute({
	method: "post",
	path: "/v1/tasks/{task_id}/kill",
	operationId: "mixpeekKillTask",
	tags: [TAGS.mixpeek],
	summary: "Kill a task (hard cancel)",
	description: "CANCELED at once from any live state. Idempotent as in Mixpeek: a finished or unknown task answers 200 too.",
	request: { params: TaskIdParam },
	responses,
});

/** The Mixpeek Python SDK's kill_task sends DELETE /v1/tasks/{task_id}. */
const killByDelete = createRoute({
	...kill,
	method: "delete",
	path: "/v1/tasks/{task_id}",
	operationId: "mixpeekDeleteTask",
	summary: "Kill a task (Mixpeek SDK's form)",
});

export function registerMixpeek(app: App) {
	for (const route of [kill, killByDelete]) {
		app.openapi(route, async (c) => {
			const taskId = c.req.valid("param").task_id;
			try {
				const task = await cancelTask(c.env, c.var.caller, taskId, "hard");
				return c.json({ success: true, message: "Task killed", task_id: task.task_id, status: task.status }, 200);
			} catch (error) {
				if (error instanceof ApiError && error.code === "CONFLICT") {
					const task = await getTask(c.env, c.executionCtx, c.var.caller, taskId);
					return c.json(
						{ success: true, message: `nothing to kill: task is ${task.status}`, task_id: task.task_id, status: task.status },
						200,
					);
				}
				if (error instanceof ApiError && error.code === "NOT_FOUND") {
					return c.json({ success: true, message: "nothing to kill: no task with this id", task_id: taskId, status: null }, 200);
				}
				throw error;
			}
		});
	}
}
