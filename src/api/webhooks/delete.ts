import { createRoute } from "@hono/zod-openapi";
import { deleteSubscription } from "../../services/webhooks";
import { type App, errorResponses } from "../openapi";
import { WebhookParam, webhookTenantOf } from "./schema";

const route = createRoute({
	method: "delete",
	path: "/v1/webhooks/{id}",
	operationId: "deleteWebhook",
	tags: ["webhooks"],
	summary: "Delete a webhook subscription",
	description: "Its scheduled retries are not sent; its delivery log stays until history retention removes it.",
	request: { params: WebhookParam },
	responses: { 204: { description: "Deleted" }, ...errorResponses },
});

export function registerDeleteWebhook(app: App) {
	app.openapi(route, async (c) => {
		await deleteSubscription(c.env, webhookTenantOf(c.var.caller), c.req.valid("param").id);
		return c.body(null, 204);
	});
}
