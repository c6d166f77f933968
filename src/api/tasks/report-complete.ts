import { z } from "@hono/zod-openapi";
import type { App } from "../openapi";
import { registerReportRoute } from "./report-route";

const CompleteBody = z
	.strictObject({
		result: z.unknown().optional().openapi({ description: "Any JSON value: the task's result" }),
		errors: z
			.array(z.strictObject({ item: z.string().optional(), code: z.string().optional(), message: z.string() }))
			.max(1000)
			.optional()
			.openapi({ description: "Item errors: the task ends COMPLETED_WITH_ERRORS" }),
	})
	.openapi("ReportComplete");

export function registerReportComplete(app: App) {
	registerReportRoute(app, {
		kind: "complete",
		operationId: "reportComplete",
		summary: "Report that an attempt completed",
		description: "The task ends COMPLETED (or COMPLETED_WITH_ERRORS when `errors` is not empty), even after a soft cancel.",
		body: CompleteBody,
		bodyRequired: false,
		toReport: (body) => ({ kind: "complete", result: body.result ?? null, errors: body.errors ?? [] }),
	});
}
