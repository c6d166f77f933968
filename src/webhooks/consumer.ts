/**
 * The `webhooks` queue's consumer. An event message is fanned out: every active subscription
 * that wants it, and the task's callback_url for a terminal event, is tried at once in parallel
 * (so a delivered event costs one message); a delivery message is one retry of one logged
 * delivery. Outcomes go to the log and failures to their next try (record.ts).
 */
import { outboundModeOf } from "../execute/ssrf-guard";
import { historyDb } from "../history/db";
import { activeSubscriptions, deliveryStatuses, findDelivery, findSubscription } from "../history/webhooks";
import { signingSecretsOf } from "../services/signing-secret";
import { count } from "../usage";
import { isTerminalEvent } from "./events";
import { type DeliveryMessage, type EventMessage, isWebhookMessage } from "./messages";
import { type RecordDeps, recordTries, type Tried } from "./record";
import { sendTry, type TryResult } from "./send";
import { deliveryIdOf, filterOf, subscriptionSecrets, wants } from "./subscriptions";

export interface WebhookDeps extends RecordDeps {
	fetch: typeof fetch;
}

export const defaultWebhookDeps = (): WebhookDeps => ({ fetch, now: Date.now, random: Math.random });

/** Statuses a repeated message leaves alone. */
const SETTLED = new Set(["delivered", "dead_letter"]);

export async function consumeWebhooks(batch: MessageBatch<unknown>, env: Env, deps: WebhookDeps = defaultWebhookDeps()): Promise<void> {
	count("worker_requests");
	await Promise.all(
		batch.messages.map(async (message) => {
			const body = message.body;
			if (!isWebhookMessage(body)) {
				console.error("taskplane: dropping a malformed webhook message", message.id);
				message.ack();
				return;
			}
			try {
				if (body.kind === "event") {
					await fanOut(env, body, message.attempts > 1, deps);
				} else {
					await retryDelivery(env, body, deps);
				}
				message.ack();
			} catch (error) {
				// D1 or the queue failed: nothing was recorded, so the message goes again (receivers de-duplicate).
				console.warn("taskplane: a webhook message failed; the queue retries it", message.id, error);
				message.retry({ delaySeconds: Math.min(300, 2 ** message.attempts) });
			}
		}),
	);
}

interface Destination {
	subscription_id: string | null;
	url: string;
	secrets: readonly string[];
}

const sendContext = (env: Env, deps: WebhookDeps) => ({ mode: outboundModeOf(env), now: deps.now, fetch: deps.fetch });

async function fanOut(env: Env, message: EventMessage, repeated: boolean, deps: WebhookDeps): Promise<void> {
	const { tenant, event } = message;
	const db = historyDb(env.DB);
	const now = deps.now();
	count("d1_round_trips");
	const subscriptions = await activeSubscriptions(db, tenant);
	count("d1_rows_read", subscriptions.length);
	const destinations: Destination[] = subscriptions
		.filter((s) => wants(filterOf(s), event))
		.map((s) => ({ subscription_id: s.id, url: s.url, secrets: subscriptionSecrets(s, now) }));
	if (message.callback_url && isTerminalEvent(event.type)) {
		destinations.push({ subscription_id: null, url: message.callback_url, secrets: await signingSecretsOf(env, tenant, now) });
	}
	if (destinations.length === 0) {
		return;
	}
	const ids = await Promise.all(destinations.map((d) => deliveryIdOf(d.subscription_id, event.id)));
	// Only a message the queue delivers again can find its deliveries made already.
	const seen = repeated ? await deliveryStatuses(db, tenant, ids) : new Map<string, string>();
	const body = JSON.stringify(event);
	const taskId = typeof event.data.task_id === "string" ? event.data.task_id : null;
	const tries = await Promise.all(
		destinations.map(async (destination, i): Promise<Tried | null> => {
			const id = ids[i] as string;
			if (SETTLED.has(seen.get(id) ?? "")) {
				return null;
			}
			const result = await sendTry(
				{ url: destination.url, secrets: destination.secrets, event_id: event.id, body },
				sendContext(env, deps),
			);
			return {
				delivery_id: id,
				subscription_id: destination.subscription_id,
				event_id: event.id,
				event_type: event.type,
				task_id: taskId,
				url: destination.url,
				body,
				created_at: now,
				next_step: 0,
				counts: true,
				result,
			};
		}),
	);
	await recordTries(
		env,
		tenant,
		tries.filter((t): t is Tried => t !== null),
		deps,
	);
}

/** One more try of a logged delivery: to its subscription's URL as it is now (an edited URL takes effect), or its callback. */
async function retryDelivery(env: Env, message: DeliveryMessage, deps: WebhookDeps): Promise<void> {
	const { tenant } = message;
	const db = historyDb(env.DB);
	count("d1_round_trips");
	const row = await findDelivery(db, tenant, message.delivery_id);
	if (!row || SETTLED.has(row.status)) {
		return;
	}
	const now = deps.now();
	let destination: Destination;
	let gone: string | null = null;
	if (row.subscription_id === null) {
		destination = { subscription_id: null, url: row.url, secrets: await signingSecretsOf(env, tenant, now) };
	} else {
		const subscription = await findSubscription(db, tenant, row.subscription_id);
		destination = { subscription_id: row.subscription_id, url: subscription?.url ?? row.url, secrets: [] };
		if (!subscription) {
			gone = "the subscription was deleted";
		} else if (subscription.disabled_at !== null) {
			gone = `the subscription is disabled: ${subscription.disabled_reason ?? ""}`;
		} else {
			destination.secrets = subscriptionSecrets(subscription, now);
		}
	}
	const result: TryResult =
		gone === null
			? await sendTry(
					{ url: destination.url, secrets: destination.secrets, event_id: row.event_id, body: row.body },
					sendContext(env, deps),
				)
			: { ok: false, status: null, ms: 0, error: `not sent: ${gone}`, refused: true };
	const tried: Tried = {
		delivery_id: row.id,
		subscription_id: row.subscription_id,
		event_id: row.event_id,
		event_type: row.event_type,
		task_id: row.task_id,
		url: destination.url,
		body: row.body,
		created_at: row.created_at,
		next_step: message.step + 1,
		counts: gone === null,
		result,
	};
	await recordTries(env, tenant, [tried], deps);
}
