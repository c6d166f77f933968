/**
 * The dashboard and the vendored browser files, served from the Worker's assets (wrangler.toml
 * [assets], folder public/): `/` redirects to `/ui/`; `/ui/*` is the dashboard (public/ui/);
 * `/vendor/*` holds Swagger UI for /docs (copied by scripts/copy-vendor.mjs). The pages hold no
 * data and need no key: the dashboard's script calls the API with the key the user enters.
 */
import type { Context } from "hono";
import type { App, AppEnv } from "../api/openapi";
import { pagePolicy } from "../api/security";
import { ApiError } from "../errors";

/**
 * No inline script or style at all, so no nonce is needed: every script and stylesheet is a file
 * of this origin, and the page talks to this origin only.
 */
export const DASHBOARD_POLICY = pagePolicy("'self'");

/**
 * The asset for this request, with headers the app's middleware may still add to.
 * Throws ApiError NOT_FOUND for a missing file, so it is problem+json like every other 404.
 */
async function asset(c: Context<AppEnv>, policy: string | null): Promise<Response> {
	const response = await c.env.ASSETS.fetch(c.req.raw);
	if (response.status === 404) {
		throw new ApiError("NOT_FOUND", "no such file");
	}
	const headers = new Headers(response.headers);
	if (policy !== null) {
		headers.set("Content-Security-Policy", policy);
	}
	return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

export function registerDashboard(app: App): void {
	app.get("/", (c) => c.redirect("/ui/", 302));
	app.get("/ui", (c) => c.redirect("/ui/", 301));
	app.get("/ui/*", (c) => asset(c, DASHBOARD_POLICY));
	// Scripts and stylesheets for /docs, which sends its own policy with its page.
	app.get("/vendor/*", (c) => asset(c, null));
}
