import { createRoute } from "@hono/zod-openapi";
import { listSubscriptionViews } from "../../services/webhooks";
import { type App, errorResponses } from "../openapi";
import { webhookListJson, webhookTenantOf } from "./schema";

const route = createRoute({
	method: "get",
	path: "/v1/webhooks",
	operationId: "listWebhooks",
	tags: ["webhooks"],
	summary: "List the tenant's webhook subscriptions",
	description: "Newest first; at most 50 per tenant. Secrets are not shown.",
	responses: { 200: { description: "The subscriptions", content: webhookListJson }, ...errorResponses },
});

export function registerListWebhooks(app: App) {
	app.openapi(route, async (c) => c.json({ webhooks: await listSubscriptionViews(c.env, webhookTenantOf(c.var.caller)) }, 200));
}
