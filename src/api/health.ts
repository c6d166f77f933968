import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "./openapi";

const route = createRoute({
	method: "get",
	path: "/health",
	tags: ["service"],
	summary: "Liveness",
	responses: { 200: { description: "Up", content: { "application/json": { schema: z.object({ status: z.literal("ok") }) } } } },
});

export function registerHealth(app: App) {
	app.openapi(route, (c) => c.json({ status: "ok" as const }, 200));
}
