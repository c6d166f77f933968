/** What the compat adapters share: slash twins, /jobs/ aliases, filter intersections, tags for /docs. */
import type { RouteConfig, RouteHandler } from "@hono/zod-openapi";
import type { App, AppEnv } from "../openapi";

export { TAGS } from "../openapi";

/**
 * Registers a route, and its twin with (or without) the trailing slash, hidden from /docs:
 * Mindia writes `/api/tasks/{id}`, the Celery manager `/api/tasks/{id}/`, and Hono matches paths
 * strictly. A redirect would not do: clients drop the body of a redirected POST.
 */
export function registerWithTwin<R extends RouteConfig>(app: App, route: R, handler: RouteHandler<R, AppEnv>): void {
	const twin = route.path.endsWith("/") ? route.path.slice(0, -1) : `${route.path}/`;
	app.openapi(route, handler);
	app.openapi({ ...route, path: twin, hide: true }, handler);
}

/**
 * Registers a route (with its twin) and again at the Celery manager's legacy `/jobs/…` path:
 * the same request, responses and handler; only the path, the operationId and the summary differ.
 */
export function registerWithJobsAlias<R extends RouteConfig>(
	app: App,
	route: R,
	alias: { path: string; operationId: string; summary: string },
	handler: RouteHandler<R, AppEnv>,
): void {
	registerWithTwin(app, route, handler);
	registerWithTwin(app, { ...route, ...alias, description: undefined }, handler);
}

/** Keeps the words of `a` that are also in `b`: two filters on the same field both apply. */
export function bothApply<T>(a: readonly T[] | undefined, b: readonly T[] | undefined): T[] | undefined {
	if (a === undefined) {
		return b === undefined ? undefined : [...b];
	}
	return b === undefined ? [...a] : a.filter((x) => b.includes(x));
}
