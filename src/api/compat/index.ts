/**
 * The routes of the systems taskplane replaces, as thin adapters over the same services.
 * Their prefixes are authenticated with /v1 (AUTHENTICATED_PATHS in ../auth.ts).
 */
import type { App } from "../openapi";
import { registerApiTaskRoutes } from "./api-tasks";
import { registerFastapiCeleryRoutes } from "./fastapi-celery";
import { registerMixpeek } from "./mixpeek";

export function registerCompatRoutes(app: App) {
	registerMixpeek(app);
	registerApiTaskRoutes(app);
	registerFastapiCeleryRoutes(app);
}
