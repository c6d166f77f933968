import { createRoute } from "@hono/zod-openapi";
import { listTasks, TaskFiltersSchema, type TaskList } from "../../services/history";
import { fromMixpeekList, MixpeekListBody, MixpeekPagination, mixpeekPage } from "../compat/mixpeek-list";
import { TAGS } from "../compat/shared";
import { type App, errorResponses } from "../openapi";
import { parseTaskFilters, TaskListSchema } from "./list-schema";

const route = createRoute({
	method: "post",
	path: "/v1/tasks/list",
	tags: ["tasks", TAGS.mixpeek],
	summary: "List tasks (filters as a JSON body; also Mixpeek's list)",
	description:
		"The same filters as `GET /v1/tasks`, with `metadata` as an object and `status` / `task_type` as arrays. Mixpeek's body (`status`, `task_type`, `filters.AND`, `sort`), its query paging (`page`, `page_size`) and `X-Namespace` header are accepted too, and the answer carries its `results` and `pagination` beside `tasks`.",
	request: {
		body: { required: false, content: { "application/json": { schema: TaskFiltersSchema.or(MixpeekListBody) } } },
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
		const mixpeek = fromMixpeekList(c.req.valid("json") ?? {}, c.req.query(), c.req.header("x-namespace"));
		// No body lists everything: parsing again fills in the defaults the skipped validator would have.
		const filters = parseTaskFilters(mixpeek.body, "request body");
		const page: TaskList = mixpeek.matchesNothing
			? { tasks: [], total: 0, total_capped: false, limit: filters.limit, offset: filters.offset ?? 0, next_cursor: null }
			: await listTasks(c.env, c.var.caller.tenant, filters);
		return c.json({ ...page, ...mixpeekPage(page) }, 200);
	});
}
