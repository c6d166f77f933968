import { createRoute } from "@hono/zod-openapi";
import { getTask } from "../../../services/tasks";
import { type App, errorResponses } from "../../openapi";
import { registerWithTwin, TAGS } from "../shared";
import { ApiTaskDetailSchema, apiTaskDetailOf, TaskIdPath } from "./schema";

const responses = {
	200: { description: "The task", content: { "application/json": { schema: ApiTaskDetailSchema } } },
	...errorResponses,
};

const detail = createRoute({
	method: "get",
	path: "/api/tasks/{id}",
	tags: [TAGS.apiTasks],
	summary: "Get a task (Mindia; Celery manager with the trailing slash)",
	description: "Mindia's detail fields and the Celery manager's, with `live_state`, `ready`, `successful`, `percent`, `total`, `done`.",
	request: { params: TaskIdPath },
	responses,
});

const legacy = createRoute({
	method: "get",
	path: "/jobs/{id}/",
	tags: [TAGS.apiTasks],
	summary: "Get a task (the Celery manager's legacy alias of /api/tasks/{id}/)",
	request: { params: TaskIdPath },
	responses,
});

export function registerApiTaskDetail(app: App) {
	for (const route of [detail, legacy]) {
		registerWithTwin(app, route, async (c) => {
			const task = await getTask(c.env, c.executionCtx, c.var.caller, c.req.valid("param").id);
			return c.json(apiTaskDetailOf(task), 200);
		});
	}
}
