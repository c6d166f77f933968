import { createRoute, z } from "@hono/zod-openapi";
import { streamTask } from "../../services/stream";
import { type App, errorResponses } from "../openapi";
import { TaskIdParam } from "./schema";

const route = createRoute({
	method: "get",
	path: "/v1/tasks/{task_id}/stream",
	operationId: "streamTask",
	tags: ["tasks"],
	summary: "Follow a task live (Server-Sent Events)",
	description: [
		"`event: snapshot` with the task at once; then `status` (a transition, shaped like an entry of `/events`),",
		"`progress` (`{task_id, version, progress}`) and `log` (`{task_id, seq, at, attempt, message, data}`) as they happen.",
		"After a terminal state: a final `snapshot`, then the stream ends. A comment line every 15 s keeps proxies from closing it.",
		"Every `status` and `log` frame has `id:` (its `seq`) and the stream starts with `retry:`, so EventSource resumes:",
		"given `Last-Event-ID`, the stream sends the events after it (and the current progress) instead of a snapshot,",
		"or 204 when the task has finished and nothing was missed. Try `curl -N`.",
	].join(" "),
	request: {
		params: TaskIdParam,
		headers: z.object({
			"last-event-id": z
				.string()
				.regex(/^\d{1,15}$/, "the id of an event this stream sent")
				.optional()
				.openapi({ description: "Resume after this event (EventSource sends it when it reconnects)" }),
		}),
	},
	responses: {
		200: {
			description: "An event stream",
			content: { "text/event-stream": { schema: z.string().openapi({ example: 'event: snapshot\ndata: {"task_id":"…"}\n\n' }) } },
		},
		204: { description: "Resumed after the last event of a finished task: nothing more will come" },
		...errorResponses,
	},
});

export function registerTaskStream(app: App) {
	app.openapi(route, async (c) => {
		const lastEventId = c.req.valid("header")["last-event-id"];
		const stream = await streamTask(
			c.env,
			c.executionCtx,
			c.var.caller,
			c.req.valid("param").task_id,
			lastEventId === undefined ? null : Number(lastEventId),
		);
		if (stream === null) {
			return c.body(null, 204);
		}
		return c.body(stream, 200, {
			"Content-Type": "text/event-stream; charset=utf-8",
			"Cache-Control": "no-cache",
			// nginx and similar buffer responses unless told not to; SSE must flow as written.
			"X-Accel-Buffering": "no",
		});
	});
}
