/** The routes of the systems taskplane replaces, as thin adapters over the same services. */
import type { App } from "../openapi";
import { registerApiTaskRoutes } from "./api-tasks";
import { registerFastapiCeleryRoutes } from "./fastapi-celery";
import { registerMixpeek } from "./mixpeek";

/**
 * The path prefixes these routes live under; app.ts authenticates them as it does /v1.
 * Hono's `/tasks/*` also matches `/tasks` itself, so listing both would authenticate twice.
 */
export const COMPAT_PREFIXES = ["/api/*", "/tasks/*", "/jobs/*", "/messages/*"] as const;

export function registerCompatRoutes(app: App) {
	registerMixpeek(app);
	registerApiTaskRoutes(app);
	registerFastapiCeleryRoutes(app);
}
