/**
 * The cron trigger's work: history rows past HISTORY_RETENTION_DAYS are deleted in bounded
 * batches, and webhook deliveries created before the same cutoff with them.
 */
import { historyDb } from "../history/db";
import { deleteExpiredTasks } from "../history/retention";
import { deleteDeliveriesBefore } from "../history/webhooks";

const BATCH = 500;
/** Bounds one run (D1 allows 1000 queries per invocation); the next hourly run carries on. */
const MAX_BATCHES = 40;

export async function purgeExpiredHistory(env: Env, now = Date.now()): Promise<number> {
	const cutoff = now - Number(env.HISTORY_RETENTION_DAYS) * 86_400_000;
	const db = historyDb(env.DB);
	let total = 0;
	for (let batch = 0; batch < MAX_BATCHES; batch++) {
		const deleted = await deleteExpiredTasks(db, cutoff, BATCH);
		total += deleted;
		if (deleted < BATCH) {
			break;
		}
	}
	for (let batch = 0; batch < MAX_BATCHES; batch++) {
		if ((await deleteDeliveriesBefore(db, cutoff, BATCH)) < BATCH) {
			break;
		}
	}
	return total;
}
