import { createRoute } from "@hono/zod-openapi";
import { DeliveryQuery } from "../../contract/webhooks";
import { listDeliveryViews } from "../../services/webhook-deliveries";
import { type App, errorResponses } from "../openapi";
import { deliveryListJson, WebhookParam, webhookTenantOf } from "./schema";

const route = createRoute({
	method: "get",
	path: "/v1/webhooks/{id}/deliveries",
	operationId: "listWebhookDeliveries",
	tags: ["webhooks"],
	summary: "A subscription's delivery log",
	description:
		"Newest first. Filter by `status` and `event_type` (comma-separated) and `task_id`; page with `cursor` (the previous page's `next_cursor`). Kept as long as task history.",
	request: { params: WebhookParam, query: DeliveryQuery },
	responses: { 200: { description: "A page of deliveries", content: deliveryListJson }, ...errorResponses },
});

export function registerListWebhookDeliveries(app: App) {
	app.openapi(route, async (c) =>
		c.json(await listDeliveryViews(c.env, webhookTenantOf(c.var.caller), c.req.valid("param").id, c.req.valid("query")), 200),
	);
}
