import { createMiddleware } from "hono/factory";
import { ApiError } from "../errors";
import type { AppEnv } from "./openapi";

/**
 * Until API keys land, the only caller is the keyless `dev` tenant, and only where
 * ENVIRONMENT=development (written by `npm start` to .dev.vars, never in wrangler.toml).
 * Anywhere else every /v1 request is refused.
 */
export const authenticate = createMiddleware<AppEnv>(async (c, next) => {
	if (c.env.ENVIRONMENT !== "development") {
		throw new ApiError("UNAUTHORIZED", "this deployment accepts no requests until API keys are configured", {
			headers: { "WWW-Authenticate": 'Bearer realm="taskplane"' },
		});
	}
	c.set("caller", { tenant: "dev", actor: null });
	await next();
});
