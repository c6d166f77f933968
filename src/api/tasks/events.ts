import { createRoute, z } from "@hono/zod-openapi";
import { listTaskEvents } from "../../services/tasks";
import { type App, errorResponses } from "../openapi";
import { TaskEventSchema, TaskIdParam } from "./schema";

const route = createRoute({
	method: "get",
	path: "/v1/tasks/{task_id}/events",
	operationId: "getTaskEvents",
	tags: ["tasks"],
	summary: "A task's transitions and log lines, oldest first",
	request: { params: TaskIdParam },
	responses: {
		200: { description: "Events", content: { "application/json": { schema: z.object({ events: z.array(TaskEventSchema) }) } } },
		...errorResponses,
	},
});

export function registerTaskEvents(app: App) {
	app.openapi(route, async (c) => {
		const events = await listTaskEvents(c.env, c.var.caller, c.req.valid("param").task_id);
		const body = events.map((e) => ({
			seq: e.seq,
			at: e.at,
			type: e.type,
			from_status: e.from_status ?? null,
			to_status: e.to_status ?? null,
			message: e.message,
			data: e.data,
		}));
		return c.json({ events: body }, 200);
	});
}
