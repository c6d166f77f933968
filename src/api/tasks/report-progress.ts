import { z } from "@hono/zod-openapi";
import type { App } from "../openapi";
import { registerReportRoute } from "./report-route";

const ProgressBody = z
	.strictObject({
		percent: z.number().min(0).max(100).optional(),
		done: z.number().int().min(0).optional(),
		total: z.number().int().min(0).optional(),
		message: z.string().max(1000).optional(),
	})
	.openapi("ReportProgress");

export function registerReportProgress(app: App) {
	registerReportRoute(app, {
		kind: "progress",
		operationId: "reportProgress",
		summary: "Report an attempt's progress",
		description: "Replaces the task's `progress`.",
		body: ProgressBody,
		bodyRequired: true,
		toReport: (progress) => ({ kind: "progress", progress }),
	});
}
