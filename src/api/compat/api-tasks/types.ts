import { createRoute, z } from "@hono/zod-openapi";
import { listTaskTypes } from "../../../services/task-types";
import { type App, errorResponses } from "../../openapi";
import { registerWithTwin, TAGS } from "../shared";

const TaskTypeChoice = z.object({ value: z.string(), display: z.string() }).openapi("ApiTaskTypeChoice");

const route = createRoute({
	method: "get",
	path: "/api/tasks/types/",
	operationId: "apiTasksListTypes",
	tags: [TAGS.apiTasks],
	summary: "Task types with display names (Celery manager)",
	description:
		"The tenant's types and the built-in ones as `[{value, display}]`, sorted by value; `GET /v1/task-types` has the patterns too.",
	responses: { 200: { description: "Types", content: { "application/json": { schema: z.array(TaskTypeChoice) } } }, ...errorResponses },
});

export function registerApiTaskTypes(app: App) {
	registerWithTwin(app, route, async (c) => {
		const types = await listTaskTypes(c.env, c.var.caller);
		const choices = types.filter((t) => t.active).map((t) => ({ value: t.type, display: t.display }));
		return c.json(
			choices.sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0)),
			200,
		);
	});
}
