import { createRoute, z } from "@hono/zod-openapi";
import { type App, errorResponses } from "./openapi";

const route = createRoute({
	method: "get",
	path: "/health",
	operationId: "getHealth",
	tags: ["service"],
	summary: "Liveness",
	responses: {
		200: { description: "Up", content: { "application/json": { schema: z.object({ status: z.literal("ok") }) } } },
		// Every request's headers are checked before any route, this one's too.
		400: errorResponses[400],
	},
});

export function registerHealth(app: App) {
	app.openapi(route, (c) => c.json({ status: "ok" as const }, 200));
}
