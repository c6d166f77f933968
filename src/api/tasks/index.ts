import type { App } from "../openapi";
import { registerCancelTask } from "./cancel";
import { registerCreateTask } from "./create";
import { registerTaskEvents } from "./events";
import { registerGetTask } from "./get";
import { registerListTasks } from "./list";
import { registerListTasksPost } from "./list-post";
import { registerReportComplete } from "./report-complete";
import { registerReportFail } from "./report-fail";
import { registerHeartbeat } from "./report-heartbeat";
import { registerReportLog } from "./report-log";
import { registerReportProgress } from "./report-progress";
import { registerReportStart } from "./report-start";
import { registerRetryTask } from "./retry";
import { registerTaskStats } from "./stats";
import { registerTaskStream } from "./stream";
import { registerTaskThroughput } from "./throughput";

export function registerTaskRoutes(app: App) {
	registerCreateTask(app);
	// Static paths before /v1/tasks/{task_id}, which would otherwise answer GET /v1/tasks/stats.
	registerListTasks(app);
	registerListTasksPost(app);
	registerTaskStats(app);
	registerTaskThroughput(app);
	registerGetTask(app);
	registerCancelTask(app);
	registerRetryTask(app);
	registerTaskEvents(app);
	registerTaskStream(app);
	registerReportStart(app);
	registerHeartbeat(app);
	registerReportProgress(app);
	registerReportLog(app);
	registerReportComplete(app);
	registerReportFail(app);
}
