import { createRoute, z } from "@hono/zod-openapi";
import { TaskStatsSchema } from "../../contract/pages";
import { StatsFiltersSchema } from "../../contract/task-filters";
import { ROLLUP_BUCKETS, taskStats } from "../../services/history-stats";
import { type App, errorResponses } from "../openapi";
import { filtersFromQuery, parseFilters } from "./list-schema";

/** The statistics' filters as a query string documents them; the throughput route takes the same. */
export const StatsQuery = z.looseObject({
	task_type: z.union([z.string(), z.array(z.string())]).optional(),
	namespace: z.string().optional(),
	hours_ago: z.string().optional().openapi({ description: "Default 24" }),
});

const route = createRoute({
	method: "get",
	path: "/v1/tasks/stats",
	operationId: "getTaskStats",
	tags: ["tasks"],
	summary: "Task statistics",
	description: `Over tasks created in the last \`hours_ago\` hours (default 24), optionally of some types (\`task_type=a,b\`) or one namespace. Percentiles come from a histogram of durations with bucket bounds ${ROLLUP_BUCKETS.join(", ")} s.`,
	request: {
		query: StatsQuery,
	},
	responses: {
		200: { description: "Statistics", content: { "application/json": { schema: TaskStatsSchema } } },
		...errorResponses,
	},
});

export function registerTaskStats(app: App) {
	app.openapi(route, async (c) => {
		const filters = parseFilters(StatsFiltersSchema, filtersFromQuery(c.req.queries()), "query");
		return c.json(await taskStats(c.env, c.var.caller.tenant, filters), 200);
	});
}
