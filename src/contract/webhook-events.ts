/** The task events a webhook subscription can ask for (src/webhooks/events.ts says which transition emits each). */
export const TASK_EVENT_TYPES = [
	"task.completed",
	"task.completed_with_errors",
	"task.failed",
	"task.canceled",
	"task.retrying",
	"task.started",
] as const;
export type WebhookEventType = (typeof TASK_EVENT_TYPES)[number];

/** pending: a try is on its way; delivered: a 2xx; failed: the last try failed (a retry may be scheduled); dead_letter: no more tries. */
export const DELIVERY_STATUSES = ["pending", "delivered", "failed", "dead_letter"] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];
