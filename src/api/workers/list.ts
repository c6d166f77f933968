import { createRoute } from "@hono/zod-openapi";
import { listWorkers } from "../../services/workers";
import { type App, errorResponses } from "../openapi";
import { WorkerListQuery, WorkerListSchema } from "./schema";

const route = createRoute({
	method: "get",
	path: "/v1/workers",
	operationId: "listWorkers",
	tags: ["workers"],
	summary: "List recent pull workers",
	description:
		"Workers that claimed in the last 10 minutes, most recently seen first: what they ask for, when they were last seen, how many attempts they hold and whether a claim of theirs is open now. Kept in the dispatcher's memory: after a restart a worker shows again with its next claim.",
	request: { query: WorkerListQuery },
	responses: {
		200: { description: "The workers", content: { "application/json": { schema: WorkerListSchema } } },
		...errorResponses,
	},
});

export function registerListWorkers(app: App) {
	app.openapi(route, async (c) => c.json({ workers: await listWorkers(c.env, c.var.caller, c.req.valid("query").namespace) }, 200));
}
