import { createRoute } from "@hono/zod-openapi";
import { listTasks, TaskFiltersSchema } from "../../services/history";
import { type App, errorResponses } from "../openapi";
import { parseTaskFilters, TaskListSchema } from "./list-schema";

const route = createRoute({
	method: "post",
	path: "/v1/tasks/list",
	tags: ["tasks"],
	summary: "List tasks (filters as a JSON body)",
	description: "The same filters as `GET /v1/tasks`, with `metadata` as an object and `status` / `task_type` as arrays.",
	request: { body: { required: false, content: { "application/json": { schema: TaskFiltersSchema } } } },
	responses: {
		200: { description: "A page of tasks", content: { "application/json": { schema: TaskListSchema } } },
		...errorResponses,
	},
});

export function registerListTasksPost(app: App) {
	app.openapi(route, async (c) => {
		// No body lists everything: parsing again fills in the defaults the skipped validator would have.
		const filters = parseTaskFilters(c.req.valid("json") ?? {}, "request body");
		return c.json(await listTasks(c.env, c.var.caller.tenant, filters), 200);
	});
}
