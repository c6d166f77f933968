import { z } from "@hono/zod-openapi";
import type { App } from "../openapi";
import { registerReportRoute } from "./report-route";

const StartBody = z.strictObject({}).openapi("ReportStart");

export function registerReportStart(app: App) {
	registerReportRoute(app, {
		kind: "start",
		operationId: "reportStart",
		summary: "Report that an attempt started",
		description:
			"An external task goes PENDING → PROCESSING (its lease, if it asked for one, starts now). For a claimed or pushed attempt, already PROCESSING, it only renews the lease.",
		body: StartBody,
		bodyRequired: false,
		toReport: () => ({ kind: "start" }),
	});
}
