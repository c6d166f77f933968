import { createRoute } from "@hono/zod-openapi";
import { deleteTaskType } from "../../services/task-types";
import { type App, errorResponses } from "../openapi";
import { TaskTypeParam } from "./schema";

const route = createRoute({
	method: "delete",
	path: "/v1/task-types/{type}",
	operationId: "deleteTaskType",
	tags: ["task types"],
	summary: "Delete a task type (admin)",
	description:
		"Removes the tenant's definition: the built-in type of that name, if any, applies again. Tasks already created keep their type.",
	request: { params: TaskTypeParam },
	responses: {
		204: { description: "Deleted" },
		...errorResponses,
	},
});

export function registerDeleteTaskType(app: App) {
	app.openapi(route, async (c) => {
		await deleteTaskType(c.env, c.var.caller, c.req.valid("param").type);
		return c.body(null, 204);
	});
}
