/** `GET /tasks/{task_id}`: Celery's AsyncResult as the demo reports it. */
import { createRoute, z } from "@hono/zod-openapi";
import { getTask } from "../../../services/tasks";
import type { Task } from "../../../task/task";
import { type App, errorResponses } from "../../openapi";
import { TAGS } from "../shared";
import { type CeleryState, celeryStateOf } from "../vocabulary";

const DemoTaskStatus = z
	.object({
		task_id: z.string(),
		status: z.enum(["PENDING", "STARTED", "SUCCESS", "FAILURE", "REVOKED", "RETRY"]),
		result: z.unknown().openapi({ description: "The return value on SUCCESS; `{error}` on FAILURE or REVOKED; else null" }),
	})
	.openapi("DemoTaskStatus");

const route = createRoute({
	method: "get",
	path: "/tasks/{task_id}",
	operationId: "celeryGetTaskStatus",
	tags: [TAGS.fastapi],
	summary: "A task's Celery state and result",
	description: "Unlike Celery, an unknown id is a 404, never PENDING.",
	request: { params: z.object({ task_id: z.string().openapi({ param: { name: "task_id", in: "path" } }) }) },
	responses: { 200: { description: "The task", content: { "application/json": { schema: DemoTaskStatus } } }, ...errorResponses },
});

function resultOf(task: Task, state: CeleryState): unknown {
	if (state === "SUCCESS") {
		return task.result;
	}
	if (state === "FAILURE" || state === "REVOKED") {
		return { error: task.error_message ?? (state === "REVOKED" ? "revoked" : "failed") };
	}
	return null;
}

export function registerDemoStatus(app: App) {
	app.openapi(route, async (c) => {
		const task = await getTask(c.env, c.executionCtx, c.var.caller, c.req.valid("param").task_id);
		const status = celeryStateOf(task);
		return c.json({ task_id: task.task_id, status, result: resultOf(task, status) }, 200);
	});
}
