import { createRoute, z } from "@hono/zod-openapi";
import { ROOT_TENANT } from "../services/api-keys";
import { renderMetrics } from "../services/metrics";
import { type App, errorResponses } from "./openapi";

const route = createRoute({
	method: "get",
	path: "/metrics",
	operationId: "getMetrics",
	tags: ["metrics"],
	summary: "Prometheus metrics for the caller's tenant (the admin token: the whole service)",
	description: [
		"Text exposition format 0.0.4: `taskplane_tasks` (gauge: retained tasks by status and type); created, completed, failed and",
		"canceled `_total` counters and a duration histogram, counted as each transition reaches history, so they never go down.",
		"With the admin token, every tenant's series, labelled `tenant`. Scrape every minute or so.",
	].join(" "),
	responses: {
		200: { description: "Metrics", content: { "text/plain": { schema: z.string() } } },
		...errorResponses,
	},
});

export function registerMetrics(app: App) {
	app.openapi(route, async (c) =>
		c.text(await renderMetrics(c.env, c.var.caller.tenant === ROOT_TENANT ? null : c.var.caller.tenant), 200, {
			"Content-Type": "text/plain; version=0.0.4; charset=utf-8",
		}),
	);
}
