import { createRoute } from "@hono/zod-openapi";
import { rotateTenantSigningSecret } from "../../services/signing-secret";
import { type App, errorResponses } from "../openapi";
import { secretTenantOf, signingSecretJson } from "./schema";

const route = createRoute({
	method: "post",
	path: "/v1/signing-secret/rotate",
	operationId: "rotateSigningSecret",
	tags: ["signing"],
	summary: "Replace the tenant's signing secret",
	description: "The replaced secret keeps signing beside the new one for 24 h (two `v1,` signatures), so receivers switch without a gap.",
	responses: { 200: { description: "The new secret", content: signingSecretJson }, ...errorResponses },
});

export function registerRotateSigningSecret(app: App) {
	app.openapi(route, async (c) => c.json(await rotateTenantSigningSecret(c.env, secretTenantOf(c.var.caller)), 200));
}
