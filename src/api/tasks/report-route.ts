/**
 * What the six report routes share: the token authorisation (src/api/auth.ts lets them through
 * on an attempt token, never an API key), the receipt, the errors. Each route file gives its
 * path, its body schema and how the body becomes a Report.
 */
import { createRoute, type z } from "@hono/zod-openapi";
import type { Report, ReportKind } from "../../execute/protocol";
import { reportAttempt } from "../../services/reports";
import { type App, errorResponses } from "../openapi";
import { ReportReceiptSchema, TaskIdParam } from "./schema";

export interface ReportRouteSpec<Body extends z.ZodType> {
	kind: ReportKind;
	operationId: string;
	summary: string;
	description: string;
	body: Body;
	/** Whether a request may leave the body out (`start`, `heartbeat`). */
	bodyRequired: boolean;
	toReport(body: z.infer<Body>): Report;
}

const AUTH_NOTE =
	"Authorised by the attempt's token alone (`Authorization: Bearer tpa_…`), no API key. Answers `{cancel_requested, lease_expires_at}`; 404 for a token this task never issued, 409 for a stale attempt's token or a task that has ended (a hard cancel included).";

export function registerReportRoute<Body extends z.ZodType>(app: App, spec: ReportRouteSpec<Body>): void {
	const route = createRoute({
		method: "post",
		path: `/v1/tasks/{task_id}/${spec.kind}`,
		tags: ["reports"],
		operationId: spec.operationId,
		summary: spec.summary,
		description: `${spec.description} ${AUTH_NOTE}`,
		security: [{ attemptToken: [] }],
		request: {
			params: TaskIdParam,
			body: { required: spec.bodyRequired, content: { "application/json": { schema: spec.body } } },
		},
		responses: {
			200: { description: "Accepted; the lease is renewed", content: { "application/json": { schema: ReportReceiptSchema } } },
			...errorResponses,
		},
	});
	app.openapi(route, async (c) => {
		// Casts: a route built from a generic spec loses @hono/zod-openapi's inferred targets;
		// both were validated against the schemas above before this handler runs.
		const body = (c.req.valid("json" as never) ?? {}) as z.infer<Body>;
		const { task_id } = c.req.param() as Record<string, string>;
		const receipt = await reportAttempt(c.env, c.var.caller.tenant, task_id ?? "", c.var.attemptToken, spec.toReport(body));
		return c.json(receipt, 200);
	});
}
