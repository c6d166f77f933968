/** The FastAPI + Celery demo (README.md, The systems taskplane replaces). */
import type { App } from "../../openapi";
import { registerDemoCreate } from "./create";
import { registerDemoLive } from "./live";
import { registerDemoMessages } from "./messages";
import { registerDemoStatus } from "./status";

export function registerFastapiCeleryRoutes(app: App) {
	registerDemoCreate(app);
	registerDemoLive(app);
	registerDemoStatus(app);
	registerDemoMessages(app);
}
