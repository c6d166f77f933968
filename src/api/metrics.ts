import { createRoute, z } from "@hono/zod-openapi";
import { renderMetrics } from "../services/metrics";
import { type App, errorResponses } from "./openapi";

const route = createRoute({
	method: "get",
	path: "/metrics",
	tags: ["metrics"],
	summary: "Prometheus metrics for the caller's tenant",
	description:
		"Text exposition format 0.0.4: tasks by status and type, created / completed / failed counts and a duration histogram, from retained history. Each scrape aggregates the tenant's history once: scrape every minute or so.",
	responses: {
		200: { description: "Metrics", content: { "text/plain": { schema: z.string() } } },
		...errorResponses,
	},
});

export function registerMetrics(app: App) {
	app.openapi(route, async (c) =>
		c.text(await renderMetrics(c.env, c.var.caller.tenant), 200, { "Content-Type": "text/plain; version=0.0.4; charset=utf-8" }),
	);
}
