/**
 * The `/api/tasks` family, shared by Mindia and the centralised Celery manager (README.md,
 * The systems taskplane replaces): one adapter whose items carry both vocabularies.
 * Static paths first: Hono tries routes in the order they were added.
 */
import type { App } from "../../openapi";
import { registerApiTaskActions } from "./actions";
import { registerApiTaskDetail } from "./detail";
import { registerApiTaskList } from "./list";
import { registerApiTaskStats } from "./stats";
import { registerApiTaskTypes } from "./types";

export function registerApiTaskRoutes(app: App) {
	registerApiTaskStats(app);
	registerApiTaskTypes(app);
	registerApiTaskList(app);
	registerApiTaskDetail(app);
	registerApiTaskActions(app);
}
