import type { App } from "../openapi";
import { registerClaimTasks } from "./claim";
import { registerListWorkers } from "./list";

export function registerWorkerRoutes(app: App) {
	registerClaimTasks(app);
	registerListWorkers(app);
}
