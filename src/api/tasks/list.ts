import { createRoute } from "@hono/zod-openapi";
import { listTasks } from "../../services/history";
import { type App, errorResponses } from "../openapi";
import { filtersFromQuery, ListQueryDoc, parseTaskFilters, TaskListSchema } from "./list-schema";

const route = createRoute({
	method: "get",
	path: "/v1/tasks",
	operationId: "listTasks",
	tags: ["tasks"],
	summary: "List tasks",
	description:
		"Newest first by default. Filter by metadata with `metadata.<key>=<value>` (repeat for more keys). Page with `offset`, or with `cursor` (the previous page's `next_cursor`) for created_at orderings.",
	request: { query: ListQueryDoc },
	responses: {
		200: { description: "A page of tasks", content: { "application/json": { schema: TaskListSchema } } },
		...errorResponses,
	},
});

export function registerListTasks(app: App) {
	app.openapi(route, async (c) => {
		const filters = parseTaskFilters(filtersFromQuery(c.req.queries()), "query");
		return c.json(await listTasks(c.env, c.var.caller.tenant, filters), 200);
	});
}
