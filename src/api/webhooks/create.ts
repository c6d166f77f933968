import { createRoute } from "@hono/zod-openapi";
import { CreateWebhookBody } from "../../contract/webhooks";
import { createSubscription } from "../../services/webhooks";
import { type App, errorResponses } from "../openapi";
import { json, webhookTenantOf, webhookWithSecretJson } from "./schema";

const route = createRoute({
	method: "post",
	path: "/v1/webhooks",
	operationId: "createWebhook",
	tags: ["webhooks"],
	summary: "Subscribe an endpoint to task events",
	description:
		"Events are POSTed signed by the Standard Webhooks scheme with the subscription's own secret, shown only in this answer. Tasks created from now on are matched (an isolate may take up to 30 s to see a new subscription).",
	request: { body: { required: true, content: json(CreateWebhookBody) } },
	responses: { 201: { description: "Subscribed", content: webhookWithSecretJson }, ...errorResponses },
});

export function registerCreateWebhook(app: App) {
	app.openapi(route, async (c) => {
		const created = await createSubscription(c.env, webhookTenantOf(c.var.caller), c.req.valid("json"));
		return c.json(created, 201, { Location: `/v1/webhooks/${created.id}` });
	});
}
