import { z } from "@hono/zod-openapi";
import type { App } from "../openapi";
import { registerReportRoute } from "./report-route";

const FailBody = z
	.strictObject({
		code: z
			.string()
			.regex(/^[A-Z][A-Z0-9_]{0,63}$/, "SCREAMING_SNAKE_CASE, at most 64 characters")
			.optional()
			.openapi({ description: "Default FAILED" }),
		message: z.string().min(1).max(4000),
		retryable: z.boolean().optional().openapi({ description: "Default true: retried with backoff while tries are left" }),
	})
	.openapi("ReportFail");

export function registerReportFail(app: App) {
	registerReportRoute(app, {
		kind: "fail",
		operationId: "reportFail",
		summary: "Report that an attempt failed",
		description:
			"A retryable failure with tries left schedules the next attempt (its own token comes with its claim); otherwise the task ends FAILED. An external task is never retried on its own: its runner owns its retries.",
		body: FailBody,
		bodyRequired: true,
		toReport: (body) => ({
			kind: "fail",
			error: { code: body.code ?? "FAILED", message: body.message, retryable: body.retryable ?? true },
		}),
	});
}
