import { createRoute, z } from "@hono/zod-openapi";
import { listTasks } from "../../../services/history";
import { type App, errorResponses } from "../../openapi";
import { registerWithJobsAlias, TAGS } from "../shared";
import { ApiTaskListQuery, filtersOf, orderOf } from "./query";
import { ApiTaskSchema, apiTaskOf } from "./schema";

const MAX_LIMIT = 100;

const ApiTaskList = z
	.object({ tasks: z.array(ApiTaskSchema), total: z.number().int(), limit: z.number().int(), offset: z.number().int() })
	.openapi("ApiTaskList");

const list = createRoute({
	method: "get",
	path: "/api/tasks",
	operationId: "apiTasksListTasks",
	tags: [TAGS.apiTasks],
	summary: "List tasks (Mindia; Celery manager with the trailing slash)",
	description:
		"Filters of both systems; filters on the same field (status and state, type and task_type) must both match. Default limit: 50 (Mindia) on `/api/tasks`, 100 (the Celery manager) on `/api/tasks/` and `/jobs/`.",
	request: { query: ApiTaskListQuery },
	responses: { 200: { description: "A page of tasks", content: { "application/json": { schema: ApiTaskList } } }, ...errorResponses },
});

export function registerApiTaskList(app: App) {
	const alias = {
		operationId: "jobsListTasks",
		path: "/jobs/",
		summary: "List tasks (the Celery manager's legacy alias of /api/tasks/)",
	};
	registerWithJobsAlias(app, list, alias, async (c) => {
		const q = c.req.valid("query");
		// Mindia documents 50 and never writes the trailing slash; the Celery manager always does, and documents 100.
		const limit = Math.min(q.limit ?? (c.req.path.endsWith("/") ? 100 : 50), MAX_LIMIT);
		const order_by = orderOf(q.order_by);
		const filters = filtersOf(q);
		const page = await listTasks(c.env, c.var.caller.tenant, { ...filters, limit, offset: q.offset, ...(order_by ? { order_by } : {}) });
		return c.json({ tasks: page.tasks.map(apiTaskOf), total: page.total, limit: page.limit, offset: page.offset }, 200);
	});
}
