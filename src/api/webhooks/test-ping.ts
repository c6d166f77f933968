import { createRoute } from "@hono/zod-openapi";
import { pingSubscription } from "../../services/webhooks";
import { type App, errorResponses } from "../openapi";
import { deliveryJson, WebhookParam, webhookTenantOf } from "./schema";

const route = createRoute({
	method: "post",
	path: "/v1/webhooks/{id}/test",
	operationId: "testWebhook",
	tags: ["webhooks"],
	summary: "Send a test ping",
	description:
		"POSTs a signed `webhook.ping` event to the subscription now and answers how it went (status, response_status, last_error). Logged with the deliveries; not retried, and not counted against the subscription.",
	request: { params: WebhookParam },
	responses: { 200: { description: "The ping's delivery", content: deliveryJson }, ...errorResponses },
});

export function registerTestWebhook(app: App) {
	app.openapi(route, async (c) => c.json(await pingSubscription(c.env, webhookTenantOf(c.var.caller), c.req.valid("param").id), 200));
}
