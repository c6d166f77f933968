import type { App } from "../openapi";
import { registerDeleteTaskType } from "./delete";
import { registerGetTaskType } from "./get";
import { registerListTaskTypes } from "./list";
import { registerPutTaskType } from "./put";

export function registerTaskTypes(app: App) {
	registerListTaskTypes(app);
	registerGetTaskType(app);
	registerPutTaskType(app);
	registerDeleteTaskType(app);
}
