import { z } from "@hono/zod-openapi";
import { SCOPES } from "../../auth/scopes";

export const TenantName = z
	.string()
	.regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, "lower-case letters, digits, _ and - only, at most 63")
	.openapi({ example: "acme" });

const RateLimitSchema = z.strictObject({
	per_second: z.number().min(0.01).max(10_000).openapi({ example: 50 }),
	burst: z.number().int().min(1).max(100_000).openapi({ example: 100 }),
});

export const ApiKeySchema = z
	.object({
		id: z.string(),
		tenant: z.string(),
		name: z.string(),
		prefix: z.string().openapi({ description: "Public part of the key, shown to tell keys apart" }),
		scopes: z.array(z.enum(SCOPES)),
		rate_limit: RateLimitSchema.nullable().openapi({ description: "null: the deployment's default (50/s, bursts of 100)" }),
		created_at: z.string().openapi({ format: "date-time" }),
		last_used_at: z.string().nullable().openapi({ format: "date-time", description: "Updated at most once a minute" }),
		revoked_at: z.string().nullable().openapi({ format: "date-time" }),
	})
	.openapi("ApiKey");

export const CreatedApiKeySchema = ApiKeySchema.extend({
	key: z.string().openapi({ description: "The secret key. Shown this once only: store it now.", example: "tp_1a2b3c4d5e6f_..." }),
}).openapi("CreatedApiKey");

export const CreateApiKeyBody = z
	.strictObject({
		name: z.string().min(1).max(100).openapi({ example: "ci-runner" }),
		scopes: z
			.array(z.enum(SCOPES))
			.min(1)
			.max(SCOPES.length)
			.openapi({
				description: "admin implies the others; tasks:write implies tasks:read and tasks:work; tasks:work only claims (pull workers)",
				example: ["tasks:read", "tasks:write"],
			}),
		tenant: TenantName.optional().openapi({ description: "Required with the ADMIN_TOKEN; a key manages its own tenant only" }),
		rate_limit: RateLimitSchema.optional(),
	})
	.openapi("CreateApiKey");

export const ApiKeyIdParam = z.object({
	id: z
		.string()
		.max(64)
		.openapi({ param: { name: "id", in: "path" } }),
});
