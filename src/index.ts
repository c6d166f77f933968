/** Worker entry: HTTP, the task queue's consumer, and the cron trigger. */
import { createApp } from "./app";
import { consumeTasks } from "./execute/consumer";
import { purgeExpiredHistory } from "./services/retention";
import { count } from "./usage";

export { RateLimitObject } from "./auth/rate-limit-object";
export { NamespaceObject } from "./dispatch/namespace-object";
export { TaskObject } from "./task/task-object";

const app = createApp();

export default {
	fetch(request, env, ctx) {
		count("worker_requests");
		return app.fetch(request, env, ctx);
	},
	async queue(batch, env) {
		await consumeTasks(batch, env);
	},
	async scheduled(_controller, env) {
		const deleted = await purgeExpiredHistory(env);
		console.log(`taskplane: retention deleted ${deleted} history rows`);
	},
} satisfies ExportedHandler<Env>;
