/** `POST /tasks/` and `POST /tasks/slow`: the demo's two producers, over createTask. */
import { createRoute, z } from "@hono/zod-openapi";
import { MAX_INVOCATION_SECONDS, seconds } from "../../../contract/limits";
import { queryNumber } from "../../../contract/query";
import { createTask } from "../../../services/tasks";
import { type App, errorResponses } from "../../openapi";
import { registerWithTwin, TAGS } from "../shared";

export const Enqueued = z.object({ task_id: z.string(), status: z.literal("PENDING"), message: z.string() }).openapi("DemoTaskEnqueued");

const accepted = { 202: { description: "Enqueued", content: { "application/json": { schema: Enqueued } } }, ...errorResponses };

const createMessage = createRoute({
	method: "post",
	path: "/tasks/",
	operationId: "celeryCreateMessageTask",
	tags: [TAGS.fastapi],
	summary: "Queue a task that inserts a message",
	description: "Runs `messages.create`; the message appears in `GET /messages/` once the task succeeds.",
	request: {
		body: { required: true, content: { "application/json": { schema: z.object({ content: z.string().min(1).max(10_000) }) } } },
	},
	responses: accepted,
});

const createSlow = createRoute({
	method: "post",
	path: "/tasks/slow",
	operationId: "celeryCreateSlowTask",
	tags: [TAGS.fastapi],
	summary: "Queue a task that sleeps `duration` seconds (default 10)",
	description: `At most ${MAX_INVOCATION_SECONDS} s: a built-in handler runs within one Worker invocation. An empty \`duration=\` is a 422.`,
	request: { query: z.object({ duration: queryNumber(seconds(0, MAX_INVOCATION_SECONDS)).default(10) }) },
	responses: accepted,
});

export function registerDemoCreate(app: App) {
	registerWithTwin(app, createMessage, async (c) => {
		const { task } = await createTask(
			c.env,
			c.var.caller,
			{ task_name: "messages.create", payload: { content: c.req.valid("json").content } },
			null,
		);
		// A created task is PENDING, SCHEDULED or already QUEUED: to Celery all of them are PENDING.
		return c.json({ task_id: task.task_id, status: "PENDING" as const, message: "Task enqueued successfully" }, 202);
	});
	registerWithTwin(app, createSlow, async (c) => {
		const { duration } = c.req.valid("query");
		const { task } = await createTask(c.env, c.var.caller, { task_name: "demo.sleep", payload: { duration_seconds: duration } }, null);
		return c.json({ task_id: task.task_id, status: "PENDING" as const, message: `Slow task enqueued for ${duration} seconds` }, 202);
	});
}
