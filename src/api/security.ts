/**
 * Browser-facing protections for every response: security headers (a page such as /docs may
 * set its own Content-Security-Policy, which is kept), and CORS for the origins in CORS_ORIGINS.
 */
import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import { secureHeaders } from "hono/secure-headers";
import type { App, AppEnv } from "./openapi";

const securityHeaders = secureHeaders({
	contentSecurityPolicy: {
		defaultSrc: ["'self'"],
		objectSrc: ["'none'"],
		baseUri: ["'none'"],
		formAction: ["'self'"],
		frameAncestors: ["'none'"],
	},
	xFrameOptions: "DENY",
	referrerPolicy: "no-referrer",
	overwrite: false,
});

/**
 * The policy of a page this Worker serves (the dashboard, /docs): its files and its requests come
 * from this origin only; `scriptSrc` says which scripts may run ("'self'", or a nonce beside it).
 */
export function pagePolicy(scriptSrc: string): string {
	return [
		"default-src 'none'",
		`script-src ${scriptSrc}`,
		"style-src 'self'",
		"img-src 'self' data:",
		"connect-src 'self'",
		"base-uri 'none'",
		"form-action 'none'",
		"frame-ancestors 'none'",
	].join("; ");
}

/** Origins from CORS_ORIGINS: "*" for any, a comma-separated list, or empty for no CORS at all. */
export function corsOrigins(value: string | undefined): "*" | string[] {
	const list = (value ?? "")
		.split(",")
		.map((origin) => origin.trim().replace(/\/$/, ""))
		.filter(Boolean);
	return list.includes("*") ? "*" : list;
}

const corsForAllowed = cors({
	origin: (origin, c) => {
		const allowed = corsOrigins(c.env.CORS_ORIGINS);
		return allowed === "*" ? "*" : allowed.includes(origin) ? origin : null;
	},
	allowMethods: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
	allowHeaders: ["Authorization", "Content-Type", "Idempotency-Key", "If-None-Match"],
	exposeHeaders: ["ETag", "Location", "Retry-After"],
	maxAge: 600,
});

const corsWhenConfigured: MiddlewareHandler<AppEnv> = async (c, next) => {
	const allowed = corsOrigins(c.env.CORS_ORIGINS);
	if (allowed !== "*" && allowed.length === 0) {
		return next();
	}
	return corsForAllowed(c, next);
};

export function useBrowserProtections(app: App): void {
	app.use(securityHeaders);
	app.use(corsWhenConfigured);
}
