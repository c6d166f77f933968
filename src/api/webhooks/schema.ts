/** Path parameters and content shapes shared by the /v1/webhooks routes (bodies live in src/contract/webhooks.ts). */
import { z } from "@hono/zod-openapi";
import { DeliveryListSchema, DeliverySchema, WebhookListSchema, WebhookSchema, WebhookWithSecretSchema } from "../../contract/webhooks";
import type { Caller } from "../../services/tasks";
import { secretTenantOf } from "../signing-secret/schema";

export const WebhookParam = z.object({
	id: z
		.string()
		.max(64)
		.openapi({ param: { name: "id", in: "path" }, example: "wh_5f0c1d2e3a4b5c6d7e8f9a0b" }),
});

export const DeliveryParam = WebhookParam.extend({
	delivery_id: z
		.string()
		.max(64)
		.openapi({ param: { name: "delivery_id", in: "path" } }),
});

export const json = <T>(schema: T) => ({ "application/json": { schema } });

export const webhookJson = json(WebhookSchema);
export const webhookWithSecretJson = json(WebhookWithSecretSchema);
export const webhookListJson = json(WebhookListSchema);
export const deliveryJson = json(DeliverySchema);
export const deliveryListJson = json(DeliveryListSchema);

/** Subscriptions belong to a tenant: the root admin token manages keys only (as with the signing secret). */
export function webhookTenantOf(caller: Caller): string {
	return secretTenantOf(caller);
}
