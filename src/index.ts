/** Worker entry: HTTP, the task and webhook queues' consumers, and the cron trigger. */
import { createApp } from "./app";
import { consumeTasks } from "./execute/consumer";
import { purgeExpiredHistory } from "./services/retention";
import { count } from "./usage";
import { consumeWebhooks } from "./webhooks/consumer";

/** The queue whose messages are webhook events and retries (wrangler.toml); every other is the task queue. */
const WEBHOOK_QUEUE_NAME = "webhooks";

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
		if (batch.queue === WEBHOOK_QUEUE_NAME) {
			await consumeWebhooks(batch, env);
			return;
		}
		await consumeTasks(batch, env);
	},
	async scheduled(_controller, env) {
		const deleted = await purgeExpiredHistory(env);
		console.log(`taskplane: retention deleted ${deleted} history rows`);
	},
} satisfies ExportedHandler<Env>;
