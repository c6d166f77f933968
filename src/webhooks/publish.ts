/**
 * The TaskObject's outbox hands a task event to the `webhooks` queue here. A queue message is
 * limited to 128 KB: an event whose task would not fit goes without its payload and result
 * (`data.truncated: true`); the receiver reads them with GET /v1/tasks/{id}.
 */
import { count } from "../usage";
import type { WebhookEvent } from "./events";
import type { EventMessage } from "./messages";

/** Bytes of JSON an event message may take before payload and result are left out. */
export const MAX_EVENT_MESSAGE_BYTES = 100 * 1024;

/** Fits `event` into one queue message (see above). */
export function boundedEvent(event: WebhookEvent, callbackUrl: string | null, tenant: string): EventMessage {
	const message: EventMessage = { kind: "event", tenant, event, callback_url: callbackUrl };
	if (new TextEncoder().encode(JSON.stringify(message)).length <= MAX_EVENT_MESSAGE_BYTES) {
		return message;
	}
	const data = { ...event.data, payload: null, result: null, truncated: true };
	return { ...message, event: { ...event, data } };
}

/** Throws when the queue refuses the message (the outbox retries it with its backoff). */
export async function publishTaskEvent(env: Env, tenant: string, event: WebhookEvent, callbackUrl: string | null): Promise<void> {
	await env.WEBHOOK_QUEUE.send(boundedEvent(event, callbackUrl, tenant), { contentType: "json" });
	// A message is written, read and deleted: three billable operations.
	count("queue_operations", 3);
}
