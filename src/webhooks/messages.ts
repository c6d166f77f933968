/**
 * What the `webhooks` queue carries. An `event` message is one task event on its way to every
 * matching subscription and the task's callback (the consumer fans it out and tries each at
 * once); a `delivery` message is one more try of one recorded delivery (a scheduled retry or a
 * redelivery asked for through the API).
 */
import type { WebhookEvent } from "./events";

export interface EventMessage {
	kind: "event";
	tenant: string;
	event: WebhookEvent;
	/** The task's callback_url: it gets the event too when the event is terminal. */
	callback_url: string | null;
}

export interface DeliveryMessage {
	kind: "delivery";
	tenant: string;
	delivery_id: string;
	/** How many scheduled retries went before this try (0: the first retry, or a redelivery). */
	step: number;
}

export type WebhookMessage = EventMessage | DeliveryMessage;

export function isWebhookMessage(body: unknown): body is WebhookMessage {
	const b = body as { kind?: unknown; tenant?: unknown; event?: Partial<WebhookEvent>; delivery_id?: unknown; step?: unknown } | null;
	if (!b || typeof b.tenant !== "string") {
		return false;
	}
	if (b.kind === "event") {
		return typeof b.event?.id === "string" && typeof b.event.type === "string";
	}
	return b.kind === "delivery" && typeof b.delivery_id === "string" && typeof b.step === "number";
}
