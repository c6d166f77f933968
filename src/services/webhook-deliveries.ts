/** A subscription's delivery log, and redelivery of one of its deliveries. */
import type { DeliveryStatus } from "../contract/webhook-events";
import { ApiError } from "../errors";
import { historyDb } from "../history/db";
import {
	type DeliveryRow,
	findDelivery,
	findSubscription,
	listDeliveries,
	markDeliveryPending,
	unmarkDeliveryPending,
} from "../history/webhooks";
import { count } from "../usage";
import type { DeliveryMessage } from "../webhooks/messages";

export interface DeliveryView {
	id: string;
	subscription_id: string | null;
	event_id: string;
	event_type: string;
	task_id: string | null;
	url: string;
	/** failed: next_attempt_at says when it is tried again (null: never). */
	status: DeliveryStatus;
	attempts: number;
	response_status: number | null;
	response_ms: number | null;
	last_error: string | null;
	last_attempt_at: string | null;
	next_attempt_at: string | null;
	created_at: string;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function deliveryView(row: DeliveryRow): DeliveryView {
	const { body: _body, tenant_id: _tenant, ...rest } = row;
	return {
		...rest,
		status: row.status as DeliveryStatus,
		last_attempt_at: iso(row.last_attempt_at),
		next_attempt_at: iso(row.next_attempt_at),
		created_at: iso(row.created_at) as string,
	};
}

export interface DeliveryFilters {
	status?: string[];
	event_type?: string[];
	task_id?: string;
	limit?: number;
	cursor?: string;
}

/** A cursor is base64url of `<created_at>.<id>` of the previous page's last row. */
function decodeCursor(cursor: string): { created_at: number; id: string } {
	let text = "";
	try {
		text = atob(cursor.replace(/-/g, "+").replace(/_/g, "/"));
	} catch {
		// Not base64: refused below like any other cursor this API did not give.
	}
	const match = /^(\d+)\.(dlv_[0-9a-z_]+)$/.exec(text);
	if (!match) {
		throw new ApiError("VALIDATION_FAILED", "cursor is not one this API gave", { errors: [{ path: "cursor", message: "not a cursor" }] });
	}
	return { created_at: Number(match[1]), id: match[2] as string };
}

const encodeCursor = (row: DeliveryRow) => btoa(`${row.created_at}.${row.id}`).replace(/\+/g, "-").replace(/\//g, "_");

async function requireOwn(env: Env, tenant: string, subscriptionId: string) {
	const subscription = await findSubscription(historyDb(env.DB), tenant, subscriptionId);
	if (!subscription) {
		throw new ApiError("NOT_FOUND", "no webhook subscription with this id");
	}
	return subscription;
}

/** Newest first; `next_cursor` pages on (null on the last page). */
export async function listDeliveryViews(env: Env, tenant: string, subscriptionId: string, filters: DeliveryFilters) {
	await requireOwn(env, tenant, subscriptionId);
	const limit = filters.limit ?? 50;
	const rows = await listDeliveries(historyDb(env.DB), tenant, subscriptionId, {
		status: filters.status,
		event_type: filters.event_type,
		task_id: filters.task_id,
		limit: limit + 1,
		after: filters.cursor ? decodeCursor(filters.cursor) : undefined,
	});
	const page = rows.slice(0, limit);
	const last = page.at(-1);
	return { deliveries: page.map(deliveryView), limit, next_cursor: rows.length > limit && last ? encodeCursor(last) : null };
}

/**
 * Sends the delivery again through the queue, with the same `webhook-id` and body (a receiver
 * that has it already recognises it), and a fresh retry schedule should that try fail.
 * Throws ApiError NOT_FOUND (no such subscription or delivery) or CONFLICT (the subscription is disabled).
 */
export async function redeliver(env: Env, tenant: string, subscriptionId: string, deliveryId: string, now = Date.now()) {
	const subscription = await requireOwn(env, tenant, subscriptionId);
	const db = historyDb(env.DB);
	const row = await findDelivery(db, tenant, deliveryId);
	if (!row || row.subscription_id !== subscriptionId) {
		throw new ApiError("NOT_FOUND", "no delivery with this id for this subscription");
	}
	if (subscription.disabled_at !== null) {
		// The consumer sends nothing to a disabled subscription: queued, it would only dead-letter.
		throw new ApiError("CONFLICT", 'the subscription is disabled, so nothing would be sent: re-enable it first (PATCH {"enabled": true})');
	}
	const pending = await markDeliveryPending(db, tenant, deliveryId, now);
	const message: DeliveryMessage = { kind: "delivery", tenant, delivery_id: deliveryId, step: -1 };
	try {
		await env.WEBHOOK_QUEUE.send(message, { contentType: "json" });
	} catch (error) {
		// A 5xx must not leave the log saying "pending" for a try nothing will make.
		await unmarkDeliveryPending(db, tenant, row, now);
		throw error;
	}
	count("queue_operations", 3);
	return deliveryView(pending ?? row);
}
