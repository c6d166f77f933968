import type { App } from "../openapi";
import { registerGetNamespace } from "./get";
import { registerListNamespaces } from "./list";
import { registerPauseNamespace } from "./pause";
import { registerPutNamespace } from "./put";
import { registerResumeNamespace } from "./resume";

export function registerNamespaceRoutes(app: App) {
	registerListNamespaces(app);
	registerGetNamespace(app);
	registerPutNamespace(app);
	registerPauseNamespace(app);
	registerResumeNamespace(app);
}
