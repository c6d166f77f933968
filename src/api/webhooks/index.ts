/** Webhook subscriptions, their test ping and delivery log (admin scope, decided by src/auth/scopes.ts). */
import type { App } from "../openapi";
import { registerCreateWebhook } from "./create";
import { registerDeleteWebhook } from "./delete";
import { registerListWebhookDeliveries } from "./deliveries";
import { registerGetWebhook } from "./get";
import { registerListWebhooks } from "./list";
import { registerPatchWebhook } from "./patch";
import { registerRedeliverWebhookDelivery } from "./redeliver";
import { registerRotateWebhookSecret } from "./rotate-secret";
import { registerTestWebhook } from "./test-ping";

export function registerWebhookRoutes(app: App) {
	registerCreateWebhook(app);
	registerListWebhooks(app);
	registerGetWebhook(app);
	registerPatchWebhook(app);
	registerDeleteWebhook(app);
	registerRotateWebhookSecret(app);
	registerTestWebhook(app);
	registerListWebhookDeliveries(app);
	registerRedeliverWebhookDelivery(app);
}
