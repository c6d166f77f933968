import type { App } from "../openapi";
import { registerCancelTask } from "./cancel";
import { registerCreateTask } from "./create";
import { registerTaskEvents } from "./events";
import { registerGetTask } from "./get";
import { registerListTasks } from "./list";
import { registerListTasksPost } from "./list-post";
import { registerRetryTask } from "./retry";
import { registerTaskStats } from "./stats";
import { registerTaskStream } from "./stream";

export function registerTaskRoutes(app: App) {
	registerCreateTask(app);
	// Static paths before /v1/tasks/{task_id}, which would otherwise answer GET /v1/tasks/stats.
	registerListTasks(app);
	registerListTasksPost(app);
	registerTaskStats(app);
	registerGetTask(app);
	registerCancelTask(app);
	registerRetryTask(app);
	registerTaskEvents(app);
	registerTaskStream(app);
}
