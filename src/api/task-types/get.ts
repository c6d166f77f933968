import { createRoute } from "@hono/zod-openapi";
import { getTaskType } from "../../services/task-types";
import { type App, errorResponses } from "../openapi";
import { TaskTypeParam, TaskTypeSchema } from "./schema";

const route = createRoute({
	method: "get",
	path: "/v1/task-types/{type}",
	operationId: "getTaskType",
	tags: ["task types"],
	summary: "Get a task type",
	description: "The definition that wins for the tenant: its own, else the built-in one. 404 when neither exists.",
	request: { params: TaskTypeParam },
	responses: {
		200: { description: "The type", content: { "application/json": { schema: TaskTypeSchema } } },
		...errorResponses,
	},
});

export function registerGetTaskType(app: App) {
	app.openapi(route, async (c) => c.json(await getTaskType(c.env, c.var.caller, c.req.valid("param").type), 200));
}
