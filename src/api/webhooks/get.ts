import { createRoute } from "@hono/zod-openapi";
import { getSubscription } from "../../services/webhooks";
import { type App, errorResponses } from "../openapi";
import { WebhookParam, webhookJson, webhookTenantOf } from "./schema";

const route = createRoute({
	method: "get",
	path: "/v1/webhooks/{id}",
	operationId: "getWebhook",
	tags: ["webhooks"],
	summary: "Get a webhook subscription",
	description: "A disabled subscription says why (`disabled_reason`) and since when (`disabled_at`, `failing_since`).",
	request: { params: WebhookParam },
	responses: { 200: { description: "The subscription", content: webhookJson }, ...errorResponses },
});

export function registerGetWebhook(app: App) {
	app.openapi(route, async (c) => c.json(await getSubscription(c.env, webhookTenantOf(c.var.caller), c.req.valid("param").id), 200));
}
