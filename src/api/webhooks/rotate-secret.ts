import { createRoute } from "@hono/zod-openapi";
import { rotateSubscription } from "../../services/webhooks";
import { type App, errorResponses } from "../openapi";
import { WebhookParam, webhookTenantOf, webhookWithSecretJson } from "./schema";

const route = createRoute({
	method: "post",
	path: "/v1/webhooks/{id}/rotate-secret",
	operationId: "rotateWebhookSecret",
	tags: ["webhooks"],
	summary: "Replace a subscription's signing secret",
	description:
		"The new secret is shown only in this answer. The replaced one keeps signing beside it for 24 h (two `v1,` signatures), so a receiver switches without a gap.",
	request: { params: WebhookParam },
	responses: { 200: { description: "The subscription and its new secret", content: webhookWithSecretJson }, ...errorResponses },
});

export function registerRotateWebhookSecret(app: App) {
	app.openapi(route, async (c) => c.json(await rotateSubscription(c.env, webhookTenantOf(c.var.caller), c.req.valid("param").id), 200));
}
