import { createRoute, z } from "@hono/zod-openapi";
import { queryNumber } from "../contract/query";
import { listMessages } from "../services/messages";
import { type App, errorResponses } from "./openapi";

export const MessageSchema = z
	.object({ id: z.number().int(), content: z.string(), task_id: z.string().nullable(), created_at: z.string() })
	.openapi("Message");

const route = createRoute({
	method: "get",
	path: "/v1/messages",
	operationId: "listMessages",
	tags: ["messages"],
	summary: "Messages inserted by messages.create tasks, newest first",
	request: {
		query: z.object({
			limit: queryNumber(z.number().int().min(1).max(100)).default(50),
			offset: queryNumber(z.number().int().min(0)).default(0),
		}),
	},
	responses: {
		200: { description: "Messages", content: { "application/json": { schema: z.object({ messages: z.array(MessageSchema) }) } } },
		...errorResponses,
	},
});

export function registerMessageRoutes(app: App) {
	app.openapi(route, async (c) => {
		const { limit, offset } = c.req.valid("query");
		return c.json({ messages: await listMessages(c.env, c.var.caller.tenant, limit, offset) }, 200);
	});
}
