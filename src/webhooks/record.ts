/**
 * After a round of tries: each outcome is written to the delivery log (one D1 batch, with the
 * subscriptions' health) and each failure is given its next try on the queue, or the dead letter
 * when the schedule is spent.
 */
import { historyDb } from "../history/db";
import { saveTries, type TryWrite } from "../history/webhooks";
import { count } from "../usage";
import type { DeliveryMessage } from "./messages";
import { DISABLE_AFTER_MS, retryDelaySeconds, retrySchedule } from "./schedule";
import type { TryResult } from "./send";

export interface Tried {
	delivery_id: string;
	subscription_id: string | null;
	event_id: string;
	event_type: string;
	task_id: string | null;
	url: string;
	body: string;
	/** When the delivery was first created (its row keeps the first value). */
	created_at: number;
	/** The schedule index a failure waits for next; null: no retry (a ping). */
	next_step: number | null;
	/** Counts for the subscription's health (false for pings). */
	counts: boolean;
	result: TryResult;
}

export interface RecordDeps {
	now: () => number;
	random: () => number;
}

/** Writes the tries, then queues each retry. Throws when D1 or the queue fails (the message is retried). */
export async function recordTries(env: Env, tenant: string, tries: readonly Tried[], deps: RecordDeps): Promise<void> {
	const now = deps.now();
	const schedule = retrySchedule(env);
	const retries: MessageSendRequest<DeliveryMessage>[] = [];
	const writes: TryWrite[] = tries.map((t) => {
		const delay = t.result.ok || t.result.refused || t.next_step === null ? null : retryDelaySeconds(schedule, t.next_step, deps.random);
		if (delay !== null && t.next_step !== null) {
			retries.push({
				body: { kind: "delivery", tenant, delivery_id: t.delivery_id, step: t.next_step },
				contentType: "json",
				delaySeconds: delay,
			});
		}
		const status = t.result.ok ? "delivered" : delay !== null || t.next_step === null ? "failed" : "dead_letter";
		const health =
			t.counts && t.subscription_id !== null
				? {
						subscription_id: t.subscription_id,
						ok: t.result.ok,
						disable_after_ms: DISABLE_AFTER_MS,
						reason: `every delivery failed for ${DISABLE_AFTER_MS / 86_400_000} days; the last: ${t.result.error ?? "unknown"}`,
					}
				: null;
		return {
			row: {
				id: t.delivery_id,
				tenant_id: tenant,
				subscription_id: t.subscription_id,
				event_id: t.event_id,
				event_type: t.event_type,
				task_id: t.task_id,
				url: t.url,
				body: t.body,
				status,
				response_status: t.result.status,
				response_ms: Math.round(t.result.ms),
				last_error: t.result.error,
				last_attempt_at: now,
				next_attempt_at: delay === null ? null : now + delay * 1000,
				created_at: t.created_at,
			},
			health,
		};
	});
	count("d1_round_trips");
	count("d1_rows_written", await saveTries(historyDb(env.DB), tenant, writes, now));
	if (retries.length > 0) {
		await env.WEBHOOK_QUEUE.sendBatch(retries);
		count("queue_operations", 3 * retries.length);
	}
}
