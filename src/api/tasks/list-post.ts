import { createRoute } from "@hono/zod-openapi";
import { listTasks } from "../../services/history";
import { type App, errorResponses, TAGS } from "../openapi";
import { fieldsOfBody, ListTasksBody, MixpeekPagination, mergeParts, mixpeekPage } from "./list-body";
import { filtersFromQuery, parseTaskFilters, TaskListSchema } from "./list-schema";

const route = createRoute({
	method: "post",
	path: "/v1/tasks/list",
	operationId: "searchTasks",
	tags: ["tasks", TAGS.mixpeek],
	summary: "List tasks (filters as a JSON body; also Mixpeek's list)",
	description:
		"The same filters as `GET /v1/tasks`, with `metadata` as an object and `status` / `task_type` as arrays or single words. Mixpeek's body (`filters.AND`, `sort`), its query paging (`page`, `page_size`, `limit`, `offset`, `cursor`) and `X-Namespace` header are accepted too, and the answer carries its `results` and `pagination` beside `tasks`. Any filter may come in the query string as on `GET /v1/tasks`; a field given in two places with different values is a 422.",
	request: {
		body: { required: false, content: { "application/json": { schema: ListTasksBody } } },
	},
	responses: {
		200: {
			description: "A page of tasks",
			content: {
				"application/json": { schema: TaskListSchema.extend({ results: TaskListSchema.shape.tasks, pagination: MixpeekPagination }) },
			},
		},
		...errorResponses,
	},
});

export function registerListTasksPost(app: App) {
	app.openapi(route, async (c) => {
		const namespace = c.req.header("x-namespace");
		const fields = mergeParts([
			{ where: "request body", fields: fieldsOfBody(c.req.valid("json") ?? {}) },
			{ where: "query string", fields: filtersFromQuery(c.req.queries()) },
			{ where: "X-Namespace header", fields: { namespace } },
		]);
		const page = await listTasks(c.env, c.var.caller.tenant, parseTaskFilters(fields, "request"));
		return c.json({ ...page, ...mixpeekPage(page) }, 200);
	});
}
