/**
 * Webhook events: which task transitions emit one, and the event's shape. Pure (the state
 * machine imports it), so the rule "this transition emits that event" lives in one place.
 *
 * An event body is `{id, type, timestamp, data}` (Standard Webhooks' recommended envelope):
 * `id` is `evt_<task_id>_<version>` (one transition, one version, one event), `timestamp` ISO
 * 8601, `data` the task as GET /v1/tasks/{id} shows it at that transition.
 */
import { TASK_EVENT_TYPES, type WebhookEventType } from "../contract/webhook-events";
import type { Task, TaskStatus } from "../task/task";

export { TASK_EVENT_TYPES, type WebhookEventType };

/** What a subscription gets when it names no events: every way a task ends. */
export const TERMINAL_EVENT_TYPES: readonly WebhookEventType[] = [
	"task.completed",
	"task.completed_with_errors",
	"task.failed",
	"task.canceled",
];

/** The event a subscription's test sends; never emitted by a task. */
export const PING_EVENT_TYPE = "webhook.ping";

export function isTerminalEvent(type: string): boolean {
	return (TERMINAL_EVENT_TYPES as readonly string[]).includes(type);
}

const TERMINAL_EVENT: Partial<Record<TaskStatus, WebhookEventType>> = {
	COMPLETED: "task.completed",
	COMPLETED_WITH_ERRORS: "task.completed_with_errors",
	FAILED: "task.failed",
	CANCELED: "task.canceled",
};

/**
 * The event a change of status emits, or null: a task ending (terminal), an attempt starting
 * (→ PROCESSING) and a failed attempt backing off for its retry (PROCESSING → SCHEDULED).
 */
export function eventOfTransition(from: TaskStatus, to: TaskStatus): WebhookEventType | null {
	if (from === to) {
		return null;
	}
	const terminal = TERMINAL_EVENT[to];
	if (terminal) {
		return TERMINAL_EVENT[from] ? null : terminal;
	}
	if (to === "PROCESSING") {
		return "task.started";
	}
	return from === "PROCESSING" && to === "SCHEDULED" ? "task.retrying" : null;
}

export interface WebhookEvent {
	id: string;
	type: WebhookEventType | typeof PING_EVENT_TYPE;
	/** ISO 8601: when the transition happened. */
	timestamp: string;
	data: Task | Record<string, unknown>;
}

/** One transition, one version, one event: the id every delivery of it carries as `webhook-id`. */
export function taskEventId(taskId: string, version: number): string {
	return `evt_${taskId.replaceAll("-", "")}_${version}`;
}
