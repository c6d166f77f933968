import { z } from "@hono/zod-openapi";
import type { App } from "../openapi";
import { registerReportRoute } from "./report-route";

const LogBody = z
	.strictObject({
		message: z.string().min(1).max(4000),
		data: z.record(z.string(), z.unknown()).optional(),
	})
	.openapi("ReportLog");

export function registerReportLog(app: App) {
	registerReportRoute(app, {
		kind: "log",
		operationId: "reportLog",
		summary: "Add a log line to an attempt",
		description: "Shown in the task's events (`GET /v1/tasks/{task_id}/events`) and its stream.",
		body: LogBody,
		bodyRequired: true,
		toReport: (body) => ({ kind: "log", message: body.message, data: body.data ?? null }),
	});
}
