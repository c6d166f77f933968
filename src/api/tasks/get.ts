import { createRoute } from "@hono/zod-openapi";
import { getTask } from "../../services/tasks";
import { type App, errorResponses } from "../openapi";
import { TaskIdParam, TaskSchema } from "./schema";

const route = createRoute({
	method: "get",
	path: "/v1/tasks/{task_id}",
	operationId: "getTask",
	tags: ["tasks"],
	summary: "Get a task",
	description:
		'Answers with `ETag: "<version>"`; a poller sending it back as `If-None-Match` gets 304 while nothing moved. A PENDING task says why it waits (`waiting`); that is no change of the task, so it does not change the ETag.',
	request: { params: TaskIdParam },
	responses: {
		200: { description: "The task", content: { "application/json": { schema: TaskSchema } } },
		304: { description: "Unchanged since the ETag sent" },
		...errorResponses,
	},
});

/**
 * RFC 9110 § 13.1.2: `*` matches any current representation, and a weak comparison ignores
 * `W/`. A task that answers here exists, so `*` always means "not modified".
 */
function noneMatch(header: string | undefined, etag: string): boolean {
	return (
		header?.split(",").some((tag) => {
			const value = tag.trim();
			return value === "*" || value.replace(/^W\//, "") === etag;
		}) ?? false
	);
}

export function registerGetTask(app: App) {
	app.openapi(route, async (c) => {
		const task = await getTask(c.env, c.executionCtx, c.var.caller, c.req.valid("param").task_id);
		const etag = `"${task.version}"`;
		if (noneMatch(c.req.header("if-none-match"), etag)) {
			return c.body(null, 304, { ETag: etag });
		}
		return c.json(task, 200, { ETag: etag, "Cache-Control": "no-cache" });
	});
}
