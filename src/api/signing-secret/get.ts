import { createRoute } from "@hono/zod-openapi";
import { getSigningSecret } from "../../services/signing-secret";
import { type App, errorResponses } from "../openapi";
import { secretTenantOf, signingSecretJson } from "./schema";

const route = createRoute({
	method: "get",
	path: "/v1/signing-secret",
	operationId: "getSigningSecret",
	tags: ["signing"],
	summary: "Show the tenant's signing secret",
	description:
		"Requests taskplane sends to your endpoints (push targets) are signed with it by the Standard Webhooks scheme. Created on first use.",
	responses: { 200: { description: "The secret", content: signingSecretJson }, ...errorResponses },
});

export function registerGetSigningSecret(app: App) {
	app.openapi(route, async (c) => c.json(await getSigningSecret(c.env, secretTenantOf(c.var.caller)), 200));
}
