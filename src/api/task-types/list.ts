import { createRoute } from "@hono/zod-openapi";
import { listTaskTypes } from "../../services/task-types";
import { type App, errorResponses } from "../openapi";
import { TaskTypeListSchema } from "./schema";

const route = createRoute({
	method: "get",
	path: "/v1/task-types",
	operationId: "listTaskTypes",
	tags: ["task types"],
	summary: "List task types",
	description:
		"The tenant's own types (`source: tenant`) and the built-in ones (`source: builtin`). A task's type comes from its name: the tenant's patterns first (exact name, then longest prefix), then the built-in ones, else `other`. A built-in type a tenant definition replaces is listed with `active: false`.",
	responses: {
		200: { description: "Every type", content: { "application/json": { schema: TaskTypeListSchema } } },
		...errorResponses,
	},
});

export function registerListTaskTypes(app: App) {
	app.openapi(route, async (c) => c.json({ task_types: await listTaskTypes(c.env, c.var.caller) }, 200));
}
