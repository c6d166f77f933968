/** API key management (admin scope, decided by src/auth/scopes.ts like every other route). */
import { createRoute, z } from "@hono/zod-openapi";
import { createApiKey, listKeys, managedTenant, revokeKey } from "../../services/api-keys";
import { type App, errorResponses } from "../openapi";
import { ApiKeyIdParam, ApiKeySchema, CreateApiKeyBody, CreatedApiKeySchema, TenantName } from "./schema";

const json = <T>(schema: T) => ({ "application/json": { schema } });

const create = createRoute({
	method: "post",
	path: "/v1/api-keys",
	operationId: "createApiKey",
	tags: ["api keys"],
	summary: "Create an API key",
	description: "Answers the secret `key` once; only its hash is kept. With the ADMIN_TOKEN, `tenant` names whose key it is.",
	request: { body: { required: true, content: json(CreateApiKeyBody) } },
	responses: { 201: { description: "Created", content: json(CreatedApiKeySchema) }, ...errorResponses },
});

const list = createRoute({
	method: "get",
	path: "/v1/api-keys",
	operationId: "listApiKeys",
	tags: ["api keys"],
	summary: "List a tenant's API keys (never their secrets)",
	request: { query: z.object({ tenant: TenantName.optional().openapi({ description: "Required with the ADMIN_TOKEN" }) }) },
	responses: {
		200: { description: "Keys, newest first", content: json(z.object({ api_keys: z.array(ApiKeySchema) })) },
		...errorResponses,
	},
});

const revoke = createRoute({
	method: "delete",
	path: "/v1/api-keys/{id}",
	operationId: "revokeApiKey",
	tags: ["api keys"],
	summary: "Revoke an API key",
	description: "Effective at once on this instance and everywhere within 60 seconds (keys are cached that long).",
	request: { params: ApiKeyIdParam },
	responses: { 200: { description: "The revoked key", content: json(ApiKeySchema) }, ...errorResponses },
});

export function registerApiKeyRoutes(app: App) {
	app.openapi(create, async (c) => {
		const body = c.req.valid("json");
		const key = await createApiKey(c.env, managedTenant(c.var.caller, body.tenant), body);
		return c.json(key, 201, { Location: `/v1/api-keys/${key.id}` });
	});
	app.openapi(list, async (c) => {
		const tenant = managedTenant(c.var.caller, c.req.valid("query").tenant);
		return c.json({ api_keys: await listKeys(c.env, tenant) }, 200);
	});
	app.openapi(revoke, async (c) => c.json(await revokeKey(c.env, c.var.caller, c.req.valid("param").id), 200));
}
