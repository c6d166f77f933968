/** `GET /messages/`: what the demo's message tasks inserted. */
import { createRoute, z } from "@hono/zod-openapi";
import { queryNumber } from "../../../contract/query";
import { listMessages } from "../../../services/messages";
import { MessageSchema } from "../../messages";
import { type App, errorResponses } from "../../openapi";
import { registerWithTwin, TAGS } from "../shared";

const route = createRoute({
	method: "get",
	path: "/messages/",
	operationId: "celeryListMessages",
	tags: [TAGS.fastapi],
	summary: "Messages inserted by message tasks, newest first",
	description: "`skip` (FastAPI's word) or `offset`, and `limit` (default 100, at most 100). `total` counts the messages returned.",
	request: {
		query: z.object({
			skip: queryNumber(z.number().int().min(0)).optional(),
			offset: queryNumber(z.number().int().min(0)).optional(),
			limit: queryNumber(z.number().int().min(1)).default(100),
		}),
	},
	responses: {
		200: {
			description: "Messages",
			content: { "application/json": { schema: z.object({ messages: z.array(MessageSchema), total: z.number().int() }) } },
		},
		...errorResponses,
	},
});

export function registerDemoMessages(app: App) {
	registerWithTwin(app, route, async (c) => {
		const { skip, offset, limit } = c.req.valid("query");
		const messages = await listMessages(c.env, c.var.caller.tenant, Math.min(limit, 100), skip ?? offset ?? 0);
		return c.json({ messages, total: messages.length }, 200);
	});
}
