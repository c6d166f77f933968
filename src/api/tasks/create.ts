import { createRoute, z } from "@hono/zod-openapi";
import { createTask } from "../../services/tasks";
import { type App, errorResponses } from "../openapi";
import { CreateTaskBody, TaskSchema } from "./schema";

const route = createRoute({
	method: "post",
	path: "/v1/tasks",
	operationId: "createTask",
	tags: ["tasks"],
	summary: "Create a task",
	description:
		"Accepts a task and answers 202 at once. The same `Idempotency-Key` again answers 200 with the same task. An external task's 202 carries its attempt `token` (the 200 does not: only its hash is kept).",
	request: {
		headers: z.object({ "idempotency-key": z.string().min(1).max(255).optional() }),
		body: { required: true, content: { "application/json": { schema: CreateTaskBody } } },
	},
	responses: {
		202: { description: "Created", content: { "application/json": { schema: TaskSchema } } },
		200: { description: "Already created with this Idempotency-Key", content: { "application/json": { schema: TaskSchema } } },
		...errorResponses,
	},
});

export function registerCreateTask(app: App) {
	app.openapi(route, async (c) => {
		const key = c.req.valid("header")["idempotency-key"] ?? null;
		const { task, created, token } = await createTask(c.env, c.var.caller, c.req.valid("json"), key);
		const headers = { Location: `/v1/tasks/${task.task_id}` };
		return created ? c.json(token === undefined ? task : { ...task, token }, 202, headers) : c.json(task, 200, headers);
	});
}
