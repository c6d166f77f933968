/**
 * Authentication, rate limiting and scopes for every route that serves a tenant's data. The
 * prefixes are listed once, here; handlers only read `c.var.caller`.
 */
import type { MiddlewareHandler } from "hono";
import { createMiddleware } from "hono/factory";
import { isAttemptToken, tenantOfAttemptToken } from "../auth/attempt-tokens";
import { sameSecret } from "../auth/keys";
import { defaultRateLimit, spendToken } from "../auth/rate-limit";
import { grants, requiredScope } from "../auth/scopes";
import { ApiError } from "../errors";
import { REPORT_KINDS } from "../execute/protocol";
import { ROOT_TENANT, verifyKey } from "../services/api-keys";
import type { App, AppEnv } from "./openapi";

/** Every path prefix that needs a caller: ours, the compat adapters', and metrics. */
// Hono matches "/x/*" against "/x" as well, so one pattern per prefix covers both.
export const AUTHENTICATED_PATHS = ["/v1/*", "/api/*", "/tasks/*", "/jobs/*", "/messages/*", "/metrics/*"];

const challenge = { "WWW-Authenticate": 'Bearer realm="taskplane"' };

function bearerOf(header: string | undefined): string | null {
	const match = header ? /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header) : null;
	return match?.[1] ?? null;
}

/** The report routes: `POST /v1/tasks/{id}/start | heartbeat | progress | log | complete | fail`. */
const REPORT_PATH = new RegExp(`^/v1/tasks/[^/]+/(${REPORT_KINDS.join("|")})$`);

export function isReportRoute(method: string, path: string): boolean {
	return method === "POST" && REPORT_PATH.test(path);
}

/**
 * A report is authorised by its attempt token alone, never by an API key: the token says which
 * attempt reports, so a runner needs no key (a push target or a CI step holds only the token).
 * The caller is the token's tenant with no scope; the task's object checks the token itself.
 */
function authenticateReport(header: string | undefined): { tenant: string; token: string } {
	const token = bearerOf(header);
	if (token === null || !isAttemptToken(token)) {
		throw new ApiError("UNAUTHORIZED", "send the attempt token as `Authorization: Bearer tpa_…`; an API key cannot report", {
			headers: challenge,
		});
	}
	const tenant = tenantOfAttemptToken(token);
	if (tenant === null) {
		throw new ApiError("NOT_FOUND", "this task issued no such attempt token");
	}
	return { tenant, token };
}

function isKeyRoute(path: string): boolean {
	return path === "/v1/api-keys" || path.startsWith("/v1/api-keys/");
}

export const authenticate: MiddlewareHandler<AppEnv> = createMiddleware<AppEnv>(async (c, next) => {
	if (isReportRoute(c.req.method, c.req.path)) {
		const { tenant, token } = authenticateReport(c.req.header("authorization"));
		c.set("caller", { tenant, actor: null, scopes: [] });
		c.set("attemptToken", token);
		await next();
		return;
	}
	const development = c.env.ENVIRONMENT === "development";
	if (!development && !c.env.ADMIN_TOKEN) {
		// Refuse to run open: a deployment must be given its bootstrap secret first (README).
		throw new ApiError("UNAVAILABLE", "ADMIN_TOKEN is not set: run `wrangler secret put ADMIN_TOKEN` for this deployment");
	}
	const header = c.req.header("authorization");
	const token = bearerOf(header);
	if (header !== undefined && token === null) {
		throw new ApiError("UNAUTHORIZED", "send the key as `Authorization: Bearer <key>`", { headers: challenge });
	}
	if (token === null) {
		if (!development) {
			throw new ApiError("UNAUTHORIZED", "send an API key as `Authorization: Bearer <key>`", { headers: challenge });
		}
		// The keyless dev tenant: local `npm start` only. It administers itself and is not limited.
		c.set("caller", { tenant: "dev", actor: null, scopes: ["admin"] });
	} else if (c.env.ADMIN_TOKEN && sameSecret(token, c.env.ADMIN_TOKEN)) {
		c.set("caller", { tenant: ROOT_TENANT, actor: "admin-token", scopes: ["admin"] });
	} else {
		const key = await verifyKey(c.env, c.executionCtx, token);
		await spendToken(c.env, key.id, key.rateLimit ?? defaultRateLimit(c.env));
		c.set("caller", key.caller);
	}
	const caller = c.var.caller;
	const needed = requiredScope(c.req.method, c.req.path);
	// The admin token manages keys and reads the service-wide metrics; it runs no tasks and, having
	// no tenant, configures none (a type or a namespace it defined would belong to no tenant).
	const serviceWide = (c.req.method === "GET" && c.req.path === "/metrics") || isKeyRoute(c.req.path);
	if (caller.tenant === ROOT_TENANT && !serviceWide) {
		throw new ApiError(
			"FORBIDDEN",
			"the admin token only manages API keys and reads /metrics: create a key for a tenant and use it here (an admin key of the tenant for its types, namespaces, webhooks and signing secret)",
		);
	}
	if (!grants(caller.scopes, needed)) {
		throw new ApiError("FORBIDDEN", `this key lacks the ${needed} scope`);
	}
	await next();
});

export function useAuthentication(app: App): void {
	for (const path of AUTHENTICATED_PATHS) {
		app.use(path, authenticate);
	}
}
