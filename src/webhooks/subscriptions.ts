/**
 * What a subscription is sent: its event types and optional namespace and task-type filters,
 * and the secrets that sign for it. Pure, shared by the consumer and the create path.
 */
import type { SubscriptionRow } from "../history/webhooks";
import type { WebhookEvent, WebhookEventType } from "./events";

/** What the create path keeps per subscription (services/webhooks.ts caches a tenant's list). */
export interface SubscriptionFilter {
	events: WebhookEventType[];
	namespace: string | null;
	task_type: string | null;
}

export function filterOf(row: Pick<SubscriptionRow, "events" | "namespace" | "task_type">): SubscriptionFilter {
	return { events: JSON.parse(row.events) as WebhookEventType[], namespace: row.namespace, task_type: row.task_type };
}

function covers(filter: SubscriptionFilter, namespace: string, taskType: string): boolean {
	return (filter.namespace === null || filter.namespace === namespace) && (filter.task_type === null || filter.task_type === taskType);
}

/** Whether `filter` wants `event` (a task event: its data is the task). */
export function wants(filter: SubscriptionFilter, event: WebhookEvent): boolean {
	const task = event.data as { namespace?: string; task_type?: string };
	return (filter.events as string[]).includes(event.type) && covers(filter, String(task.namespace ?? ""), String(task.task_type ?? ""));
}

/** Every event type some filter wants for a task of `namespace` and `taskType`, in a stable order. */
export function eventsWanted(filters: readonly SubscriptionFilter[], namespace: string, taskType: string): WebhookEventType[] {
	const wanted = new Set<WebhookEventType>();
	for (const filter of filters) {
		if (covers(filter, namespace, taskType)) {
			for (const type of filter.events) {
				wanted.add(type);
			}
		}
	}
	return [...wanted].sort();
}

/** The subscription's signing secrets now: its own, then the one a rotation replaced while that still verifies. */
export function subscriptionSecrets(row: Pick<SubscriptionRow, "secret" | "previous_secret" | "previous_expires_at">, now: number) {
	const previous = row.previous_secret !== null && row.previous_expires_at !== null && row.previous_expires_at > now;
	return previous && row.previous_secret !== null ? [row.secret, row.previous_secret] : [row.secret];
}

/** A delivery's id: derived from its destination and its event, so a repeated event message finds the same row. */
export async function deliveryIdOf(subscriptionId: string | null, eventId: string): Promise<string> {
	const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`${subscriptionId ?? "callback"}:${eventId}`));
	const hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
	return `dlv_${hex.slice(0, 26)}`;
}
