import { createRoute } from "@hono/zod-openapi";
import { getTask } from "../../../services/tasks";
import { type App, errorResponses } from "../../openapi";
import { registerWithJobsAlias, TAGS } from "../shared";
import { ApiTaskDetailSchema, apiTaskDetailOf, TaskIdPath } from "./schema";

const detail = createRoute({
	method: "get",
	path: "/api/tasks/{id}",
	operationId: "apiTasksGetTask",
	tags: [TAGS.apiTasks],
	summary: "Get a task (Mindia; Celery manager with the trailing slash)",
	description: "Mindia's detail fields and the Celery manager's, with `live_state`, `ready`, `successful`, `percent`, `total`, `done`.",
	request: { params: TaskIdPath },
	responses: { 200: { description: "The task", content: { "application/json": { schema: ApiTaskDetailSchema } } }, ...errorResponses },
});

export function registerApiTaskDetail(app: App) {
	const alias = {
		operationId: "jobsGetTask",
		path: "/jobs/{id}/",
		summary: "Get a task (the Celery manager's legacy alias of /api/tasks/{id}/)",
	};
	registerWithJobsAlias(app, detail, alias, async (c) => {
		const task = await getTask(c.env, c.executionCtx, c.var.caller, c.req.valid("param").id);
		return c.json(apiTaskDetailOf(task), 200);
	});
}
