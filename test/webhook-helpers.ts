/**
 * Webhook tests: the `webhooks` queue held (what the outbox sends is recorded, and delivered
 * by the test through the real consumer), a scripted receiver standing in for the network,
 * and the routes called as a tenant's admin key.
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { Webhook } from "standardwebhooks";
import { expect, vi } from "vitest";
import { consumeWebhooks, type WebhookDeps } from "../src/webhooks/consumer";
import type { WebhookEvent } from "../src/webhooks/events";
import type { DeliveryMessage, EventMessage, WebhookMessage } from "../src/webhooks/messages";
import { send } from "./auth-helpers";

export interface Held {
	events: EventMessage[];
	retries: { body: DeliveryMessage; delaySeconds: number }[];
	redeliveries: DeliveryMessage[];
}

/** Keeps the webhooks queue's messages from the runtime's consumer; the test delivers them. */
export function holdWebhookQueue(): Held {
	const held: Held = { events: [], retries: [], redeliveries: [] };
	vi.spyOn(env.WEBHOOK_QUEUE, "send").mockImplementation(async (body) => {
		const message = body as WebhookMessage;
		if (message.kind === "event") {
			held.events.push(message);
		} else {
			held.redeliveries.push(message);
		}
		return {} as QueueSendResponse;
	});
	vi.spyOn(env.WEBHOOK_QUEUE, "sendBatch").mockImplementation(async (messages) => {
		for (const m of messages) {
			held.retries.push({ body: m.body as DeliveryMessage, delaySeconds: m.delaySeconds ?? 0 });
		}
		return {} as QueueSendBatchResponse;
	});
	return held;
}

export interface Received {
	url: string;
	headers: Record<string, string>;
	body: string;
	event: WebhookEvent;
}

/** A receiver answering `statuses` in turn (the last one from then on); it records every request. */
export function receiver(...statuses: number[]) {
	const received: Received[] = [];
	const answers = [...statuses];
	const fetcher = (async (input: RequestInfo | URL, init?: RequestInit) => {
		const request = new Request(input, init);
		const body = await request.text();
		received.push({ url: request.url, headers: Object.fromEntries(request.headers), body, event: JSON.parse(body) as WebhookEvent });
		const status = answers.length > 1 ? (answers.shift() as number) : (answers[0] ?? 200);
		return new Response(status === 200 ? "ok" : "nope", { status });
	}) as typeof fetch;
	return { received, fetch: fetcher };
}

/** Verifies a received request with the library and `secret`; answers the event. */
export function verified(received: Received, secret: string): WebhookEvent {
	return new Webhook(secret).verify(received.body, received.headers) as WebhookEvent;
}

/** Delivers `bodies` to the real consumer as one batch. `attempts` > 1: the queue delivers them again. */
export async function consume(bodies: WebhookMessage[], deps: Partial<WebhookDeps> & { fetch: typeof fetch }, attempts = 1) {
	const messages = bodies.map((body, i) => ({ id: `wh-${crypto.randomUUID()}-${i}`, timestamp: new Date(), attempts, body }));
	const batch = createMessageBatch("webhooks", messages);
	await consumeWebhooks(batch, env, { now: Date.now, random: () => 0.5, ...deps });
	return getQueueResult(batch, createExecutionContext());
}

export interface Subscription {
	id: string;
	secret: string;
	enabled: boolean;
	disabled_reason: string | null;
	failing_since: string | null;
	events: string[];
}

export async function subscribe(key: string, body: Record<string, unknown>): Promise<Subscription> {
	const res = await send("/v1/webhooks", { key, body });
	expect(res.status, await res.clone().text()).toBe(201);
	return res.json<Subscription>();
}

export interface Delivery {
	id: string;
	status: string;
	attempts: number;
	event_type: string;
	event_id: string;
	task_id: string | null;
	response_status: number | null;
	next_attempt_at: string | null;
	last_error: string | null;
}

export async function deliveries(
	key: string,
	subscriptionId: string,
	query = "",
): Promise<{ deliveries: Delivery[]; next_cursor: string | null }> {
	const res = await send(`/v1/webhooks/${subscriptionId}/deliveries${query}`, { key });
	expect(res.status, await res.clone().text()).toBe(200);
	return res.json();
}

/** A task event message as the outbox sends it, for a task of `namespace` and `task_type`. */
export function eventMessage(tenant: string, type: string, data: Record<string, unknown>, callbackUrl: string | null = null): EventMessage {
	const taskId = crypto.randomUUID();
	return {
		kind: "event",
		tenant,
		callback_url: callbackUrl,
		event: {
			id: `evt_${taskId.replaceAll("-", "")}_3`,
			type: type as EventMessage["event"]["type"],
			timestamp: new Date().toISOString(),
			data: { task_id: taskId, namespace: "default", task_type: "demo", ...data },
		},
	};
}
