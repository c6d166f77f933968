import { createRoute } from "@hono/zod-openapi";
import { redeliver } from "../../services/webhook-deliveries";
import { type App, errorResponses } from "../openapi";
import { DeliveryParam, deliveryJson, webhookTenantOf } from "./schema";

const route = createRoute({
	method: "post",
	path: "/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver",
	operationId: "redeliverWebhookDelivery",
	tags: ["webhooks"],
	summary: "Send a delivery again",
	description:
		"Queues one more try of the delivery, with the same body and the same `webhook-id` (a receiver that has it already recognises it), and a fresh retry schedule should it fail. Answers the delivery, `pending`. A disabled subscription is a 409: re-enable it first.",
	request: { params: DeliveryParam },
	responses: { 202: { description: "Queued", content: deliveryJson }, ...errorResponses },
});

export function registerRedeliverWebhookDelivery(app: App) {
	app.openapi(route, async (c) => {
		const { id, delivery_id } = c.req.valid("param");
		return c.json(await redeliver(c.env, webhookTenantOf(c.var.caller), id, delivery_id), 202);
	});
}
