/** Pieces every route's OpenAPI description shares: the problem body and the error responses. */

import type { OpenAPIHono } from "@hono/zod-openapi";
import { z } from "@hono/zod-openapi";
import type { Caller } from "../services/tasks";

/** `attemptToken`: set on the report routes only, which a token authorises instead of a key. */
export type AppEnv = { Bindings: Env; Variables: { caller: Caller; requestId: string; attemptToken: string } };
export type App = OpenAPIHono<AppEnv>;

/** Groups in /docs; the compat adapters' routes are tagged by the system they stand in for. */
export const TAGS = {
	mixpeek: "compat: Mixpeek",
	apiTasks: "compat: /api/tasks (Mindia, Celery manager)",
	fastapi: "compat: FastAPI + Celery demo",
} as const;

export const ProblemSchema = z
	.object({
		type: z.string(),
		title: z.string(),
		status: z.number().int(),
		code: z.string().openapi({ example: "NOT_FOUND" }),
		detail: z.string(),
		instance: z.string().optional(),
		request_id: z.string().optional(),
		errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
	})
	.openapi("Problem");

const problem = (description: string) => ({
	description,
	content: { "application/problem+json": { schema: ProblemSchema } },
});

export const errorResponses = {
	400: problem("Malformed request (for example, invalid JSON)"),
	401: problem("No or bad credentials"),
	403: problem("The key lacks the scope this request needs"),
	404: problem("Unknown task, or another tenant's"),
	409: problem("Conflicts with the current state (the task's, or a webhook subscription's)"),
	413: problem("Request body over 256 KiB"),
	422: problem("A field is invalid; `errors` lists each"),
	429: problem("Too many requests; see Retry-After"),
	503: problem("The deployment is not configured (ADMIN_TOKEN is not set)"),
} as const;
