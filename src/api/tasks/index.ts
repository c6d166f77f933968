import type { App } from "../openapi";
import { registerCancelTask } from "./cancel";
import { registerCreateTask } from "./create";
import { registerTaskEvents } from "./events";
import { registerGetTask } from "./get";
import { registerRetryTask } from "./retry";
import { registerTaskStream } from "./stream";

export function registerTaskRoutes(app: App) {
	registerCreateTask(app);
	registerGetTask(app);
	registerCancelTask(app);
	registerRetryTask(app);
	registerTaskEvents(app);
	registerTaskStream(app);
}
