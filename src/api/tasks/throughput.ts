import { createRoute, z } from "@hono/zod-openapi";
import { StatsFiltersSchema } from "../../contract/task-filters";
import { taskThroughput } from "../../services/throughput";
import { type App, errorResponses } from "../openapi";
import { filtersFromQuery, parseFilters } from "./list-schema";
import { StatsQuery } from "./stats";

const count = z.number().int();

export const TaskThroughputSchema = z
	.object({
		bucket_seconds: z.number().int().openapi({ description: "60 up to 3 hours, 3600 up to a week, 86400 beyond" }),
		buckets: z.array(
			z.object({
				start: z.string().openapi({ format: "date-time" }),
				completed: count.openapi({ description: "COMPLETED and COMPLETED_WITH_ERRORS" }),
				failed: count,
				canceled: count,
			}),
		),
		window: z.object({ hours_ago: z.number(), from: z.string(), to: z.string() }),
	})
	.openapi("TaskThroughput");

const route = createRoute({
	method: "get",
	path: "/v1/tasks/stats/throughput",
	operationId: "getTaskThroughput",
	tags: ["tasks"],
	summary: "Tasks finished per minute, hour or day",
	description:
		"The tasks GET /v1/tasks/stats counts (created in the last `hours_ago` hours, default 24, of some types or one namespace) " +
		"that have finished, per bucket of their completion time and outcome: every bucket from the window's start, zeros included.",
	request: {
		query: StatsQuery,
	},
	responses: {
		200: { description: "Finished tasks per bucket", content: { "application/json": { schema: TaskThroughputSchema } } },
		...errorResponses,
	},
});

export function registerTaskThroughput(app: App) {
	app.openapi(route, async (c) => {
		const filters = parseFilters(StatsFiltersSchema, filtersFromQuery(c.req.queries()), "query");
		return c.json(await taskThroughput(c.env, c.var.caller.tenant, filters), 200);
	});
}
