import { createRoute } from "@hono/zod-openapi";
import { retryTask } from "../../services/tasks";
import { type App, errorResponses } from "../openapi";
import { RetryBody, TaskIdParam, TaskSchema } from "./schema";

const route = createRoute({
	method: "post",
	path: "/v1/tasks/{task_id}/retry",
	operationId: "retryTask",
	tags: ["tasks"],
	summary: "Retry a failed or canceled task",
	description:
		'Runs the task again as a new attempt while `retry_count < max_retries`; otherwise 409 unless the body says `{"reset_attempts": true}`.',
	request: { params: TaskIdParam, body: { required: false, content: { "application/json": { schema: RetryBody } } } },
	responses: {
		200: { description: "The task, PENDING again", content: { "application/json": { schema: TaskSchema } } },
		...errorResponses,
	},
});

export function registerRetryTask(app: App) {
	app.openapi(route, async (c) => {
		const body = c.req.valid("json");
		return c.json(await retryTask(c.env, c.var.caller, c.req.valid("param").task_id, body.reset_attempts ?? false), 200);
	});
}
