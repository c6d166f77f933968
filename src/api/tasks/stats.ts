import { createRoute, z } from "@hono/zod-openapi";
import { StatsFiltersSchema } from "../../contract/task-filters";
import { ROLLUP_BUCKETS, taskStats } from "../../services/history-stats";
import { TASK_STATUSES } from "../../task/task";
import { type App, errorResponses } from "../openapi";
import { filtersFromQuery, parseFilters } from "./list-schema";

const count = z.number().int();
const PERCENTILE = `Estimated from a histogram of durations (bucket bounds ${ROLLUP_BUCKETS.join(", ")} s): the nearest rank's bucket, interpolated linearly within it`;

export const TaskStatsSchema = z
	.object({
		total: count,
		by_status: z.record(z.enum(TASK_STATUSES), count),
		by_type: z.record(z.string(), count),
		running: count,
		completed: count.openapi({ description: "COMPLETED and COMPLETED_WITH_ERRORS" }),
		failed: count,
		canceled: count,
		average_duration_seconds: z.number().nullable(),
		p50_duration_seconds: z.number().nullable().openapi({ description: PERCENTILE }),
		p95_duration_seconds: z.number().nullable().openapi({ description: PERCENTILE }),
		success_rate: z.number().nullable().openapi({ description: "completed / finished; null when none finished" }),
		window: z.object({ hours_ago: z.number().nullable(), from: z.string().nullable(), to: z.string() }),
	})
	.openapi("TaskStats");

const route = createRoute({
	method: "get",
	path: "/v1/tasks/stats",
	operationId: "getTaskStats",
	tags: ["tasks"],
	summary: "Task statistics",
	description:
		"Over tasks created in the last `hours_ago` hours (default 24), optionally of some types (`task_type=a,b`) or one namespace.",
	request: {
		query: z.looseObject({
			task_type: z.union([z.string(), z.array(z.string())]).optional(),
			namespace: z.string().optional(),
			hours_ago: z.string().optional().openapi({ description: "Default 24" }),
		}),
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
