import { createRoute } from "@hono/zod-openapi";
import { claimTasks } from "../../services/workers";
import { type App, errorResponses } from "../openapi";
import { ClaimAnswerSchema, ClaimBody } from "./schema";

const route = createRoute({
	method: "post",
	path: "/v1/workers/claim",
	operationId: "claimTasks",
	tags: ["workers"],
	summary: "Claim pull tasks (tasks:work)",
	description:
		"Takes up to `max` ready pull tasks of the namespace, highest priority first, within its max_concurrency, rate limits and pause. Each is PROCESSING at once, with its attempt token and lease. When none is ready the request is held up to `wait_seconds` and answers as soon as one is.",
	request: { body: { required: true, content: { "application/json": { schema: ClaimBody } } } },
	responses: {
		200: { description: "The claimed tasks (maybe none)", content: { "application/json": { schema: ClaimAnswerSchema } } },
		...errorResponses,
	},
});

export function registerClaimTasks(app: App) {
	app.openapi(route, async (c) => c.json(await claimTasks(c.env, c.var.caller, c.req.valid("json"), c.req.raw.signal), 200));
}
