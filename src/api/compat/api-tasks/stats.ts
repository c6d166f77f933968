/**
 * Two views of the same statistics over taskStats: Mindia's `/api/tasks/stats` (lower-case
 * by_status; all retained history unless `hours_ago` says otherwise, as Mindia's counts are
 * not windowed) and the Celery manager's `/api/tasks/statistics/` (Celery by_state; `running`
 * is every live task, as it counts PENDING, SENT, STARTED and RETRY; `hours_ago` default 24).
 */
import { createRoute, z } from "@hono/zod-openapi";
import { DEFAULT_STATS_HOURS, taskStats } from "../../../services/history-stats";
import { LIVE_STATUSES, TASK_STATUSES, type TaskStatus } from "../../../task/task";
import { type App, errorResponses } from "../../openapi";
import { registerWithTwin, TAGS } from "../shared";
import { celeryStateOfStatus, LOWER_STATUSES, lowerStatusOf } from "../vocabulary";
import { StatsQuery, statsFiltersOf } from "./query";

const MindiaStats = z
	.object({
		total: z.number().int(),
		by_status: z.record(z.string(), z.number().int()),
		by_type: z.record(z.string(), z.number().int()),
		average_duration_seconds: z.number().nullable(),
		success_rate: z.number().nullable(),
	})
	.openapi("ApiTaskStats");

const CeleryStatistics = z
	.object({
		total: z.number().int(),
		running: z.number().int(),
		completed: z.number().int(),
		failed: z.number().int(),
		revoked: z.number().int(),
		by_state: z.record(z.string(), z.number().int()),
		by_task_type: z.record(z.string(), z.number().int()),
		hours_ago: z.number().nullable(),
	})
	.openapi("ApiTaskStatistics");

const stats = createRoute({
	method: "get",
	path: "/api/tasks/stats",
	operationId: "apiTasksGetStats",
	tags: [TAGS.apiTasks],
	summary: "Task statistics (Mindia)",
	request: { query: StatsQuery },
	responses: { 200: { description: "Statistics", content: { "application/json": { schema: MindiaStats } } }, ...errorResponses },
});

const statistics = createRoute({
	method: "get",
	path: "/api/tasks/statistics/",
	operationId: "apiTasksGetStatistics",
	tags: [TAGS.apiTasks],
	summary: "Task statistics (Celery manager)",
	request: { query: StatsQuery },
	responses: { 200: { description: "Statistics", content: { "application/json": { schema: CeleryStatistics } } }, ...errorResponses },
});

type Counts = Record<TaskStatus, number>;

function count(byStatus: Counts, pick: (status: TaskStatus) => boolean): number {
	return TASK_STATUSES.filter(pick).reduce((sum, s) => sum + byStatus[s], 0);
}

export function registerApiTaskStats(app: App) {
	registerWithTwin(app, stats, async (c) => {
		const s = await taskStats(c.env, c.var.caller.tenant, statsFiltersOf(c.req.valid("query"), null));
		const lower = Object.fromEntries(LOWER_STATUSES.map((word) => [word, count(s.by_status, (st) => lowerStatusOf(st) === word)]));
		return c.json(
			{
				total: s.total,
				by_status: lower,
				by_type: s.by_type,
				average_duration_seconds: s.average_duration_seconds,
				success_rate: s.success_rate,
			},
			200,
		);
	});

	registerWithTwin(app, statistics, async (c) => {
		const s = await taskStats(c.env, c.var.caller.tenant, statsFiltersOf(c.req.valid("query"), DEFAULT_STATS_HOURS));
		const byState: Record<string, number> = {};
		for (const status of TASK_STATUSES) {
			const n = s.by_status[status];
			if (n > 0) {
				const state = celeryStateOfStatus(status);
				byState[state] = (byState[state] ?? 0) + n;
			}
		}
		return c.json(
			{
				total: s.total,
				running: count(s.by_status, (st) => LIVE_STATUSES.includes(st)),
				completed: s.completed,
				failed: s.failed,
				revoked: s.canceled,
				by_state: byState,
				by_task_type: s.by_type,
				hours_ago: s.window.hours_ago,
			},
			200,
		);
	});
}
