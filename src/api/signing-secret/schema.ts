import { z } from "@hono/zod-openapi";
import { ApiError } from "../../errors";
import { ROOT_TENANT } from "../../services/api-keys";
import type { Caller } from "../../services/tasks";

export const SigningSecretSchema = z
	.object({
		secret: z.string().openapi({ example: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" }),
		created_at: z.string().openapi({ format: "date-time" }),
		rotated_at: z.string().nullable().openapi({ format: "date-time" }),
		previous_expires_at: z
			.string()
			.nullable()
			.openapi({ format: "date-time", description: "Until when the secret the last rotation replaced still signs beside this one" }),
	})
	.openapi("SigningSecret");

export const signingSecretJson = { "application/json": { schema: SigningSecretSchema } };

/** The ADMIN_TOKEN manages keys only: a secret belongs to a tenant, so an admin key of that tenant asks. */
export function secretTenantOf(caller: Caller): string {
	if (caller.tenant === ROOT_TENANT) {
		throw new ApiError("FORBIDDEN", "the admin token only manages API keys: use an admin key of the tenant");
	}
	return caller.tenant;
}
