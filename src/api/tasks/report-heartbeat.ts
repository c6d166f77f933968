import { z } from "@hono/zod-openapi";
import type { App } from "../openapi";
import { registerReportRoute } from "./report-route";

const HeartbeatBody = z.strictObject({}).openapi("Heartbeat");

export function registerHeartbeat(app: App) {
	registerReportRoute(app, {
		kind: "heartbeat",
		operationId: "heartbeat",
		summary: "Renew an attempt's lease",
		description:
			"The runner is alive. Send one well inside the lease (every lease/3); an attempt whose lease runs out fails with LEASE_EXPIRED.",
		body: HeartbeatBody,
		bodyRequired: false,
		toReport: () => ({ kind: "heartbeat" }),
	});
}
