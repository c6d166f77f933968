import { createRoute } from "@hono/zod-openapi";
import { PatchWebhookBody } from "../../contract/webhooks";
import { patchSubscription } from "../../services/webhooks";
import { type App, errorResponses } from "../openapi";
import { json, WebhookParam, webhookJson, webhookTenantOf } from "./schema";

const route = createRoute({
	method: "patch",
	path: "/v1/webhooks/{id}",
	operationId: "updateWebhook",
	tags: ["webhooks"],
	summary: "Change a webhook subscription",
	description: "Only the fields given change. `enabled: true` re-enables a subscription that was disabled for failing.",
	request: { params: WebhookParam, body: { required: true, content: json(PatchWebhookBody) } },
	responses: { 200: { description: "The subscription", content: webhookJson }, ...errorResponses },
});

export function registerPatchWebhook(app: App) {
	app.openapi(route, async (c) =>
		c.json(await patchSubscription(c.env, webhookTenantOf(c.var.caller), c.req.valid("param").id, c.req.valid("json")), 200),
	);
}
