import { createRoute } from "@hono/zod-openapi";
import { cancelTask } from "../../services/tasks";
import { type App, errorResponses } from "../openapi";
import { CancelBody, TaskIdParam, TaskSchema } from "./schema";

const route = createRoute({
	method: "post",
	path: "/v1/tasks/{task_id}/cancel",
	operationId: "cancelTask",
	tags: ["tasks"],
	summary: "Cancel a task",
	description:
		"Soft (default): a task not yet running is CANCELED at once; a running one gets `cancel_requested: true` and its handler stops at its next report. Hard: CANCELED at once from any live state; later reports of that attempt are discarded.",
	request: { params: TaskIdParam, body: { required: false, content: { "application/json": { schema: CancelBody } } } },
	responses: {
		200: { description: "The task after the cancel", content: { "application/json": { schema: TaskSchema } } },
		...errorResponses,
	},
});

export function registerCancelTask(app: App) {
	app.openapi(route, async (c) => {
		const body = c.req.valid("json");
		const task = await cancelTask(c.env, c.var.caller, c.req.valid("param").task_id, body.mode ?? "soft", body.grace_seconds);
		return c.json(task, 200);
	});
}
