/**
 * What the task's receivers have yet to acknowledge: a list of pending deliveries with one
 * flusher and one backoff (ARCHITECTURE.md § Effects and the outbox). Stored with the task in the same
 * row and transaction as the commit that owes them; flushed right after and retried from the
 * alarm. Every receiver is idempotent by (task_id, attempt) or (task_id, version), so a repeated
 * delivery is harmless: acknowledgements stay in memory and ride along with the next write, and
 * after an eviction a delivery may go twice.
 */
import { dispatcherFor } from "../dispatch";
import type { HistorySnapshot, Offer } from "../dispatch/protocol";
import { count } from "../usage";
import { taskEventId, type WebhookEvent, type WebhookEventType } from "../webhooks/events";
import { publishTaskEvent } from "../webhooks/publish";
import { awaitsStart, awaitsTurn } from "./machine";
import { backoffMs } from "./retry";
import { isTerminal, type TaskRecord, toPublicTask } from "./task";

/**
 * `offer`, `release`, `enqueue` are keyed by attempt; `history` by the task version it owes;
 * `webhook` by its event (one per transition), which it carries as it was at that transition.
 */
export type Delivery =
	| { kind: "offer" | "release" | "enqueue"; key: string; attempt: number; tries: number; retry_at: number }
	| { kind: "history"; key: string; version: number; tries: number; retry_at: number }
	| { kind: "webhook"; key: string; event: WebhookEvent; tries: number; retry_at: number };

export type DeliveryKind = Delivery["kind"];

export interface Outbox {
	deliveries: Delivery[];
	/** The highest task version history (D1) has acknowledged. */
	history_version: number;
}

export interface TaskQueueMessage {
	task_id: string;
	tenant: string;
	attempt: number;
}

/**
 * An unacknowledged state reaches history by itself only this long after its commit: an offer
 * or a release normally carries it first, so a task that ends quickly costs no separate write,
 * and a stream of intermediate states is written once per interval, not once per state.
 */
export const HISTORY_DELAY_MS = 5_000;
/** A delivery due now is flushed at once; if that flush never finishes, the alarm tries again then. */
export const SAFETY_MS = 5_000;
const OUTBOX_BACKOFF = { baseMs: 1_000, factor: 2, capMs: 60_000 };

export function emptyOutbox(): Outbox {
	return { deliveries: [], history_version: 0 };
}

/**
 * A stored outbox. One written before deliveries were a list (a field per destination) owes
 * its unsent queue message and a history write, so local state from older builds still drains.
 */
export function readOutbox(stored: Outbox | { enqueue_attempt?: number | null; history_version?: number }): Outbox {
	if ("deliveries" in stored) {
		return stored;
	}
	const outbox: Outbox = { deliveries: [], history_version: stored.history_version ?? 0 };
	if (typeof stored.enqueue_attempt === "number") {
		owe(outbox, "enqueue", stored.enqueue_attempt, 0);
	}
	outbox.deliveries.push({ kind: "history", key: "history", version: outbox.history_version + 1, tries: 0, retry_at: 0 });
	return outbox;
}

/** Owes `kind` for `attempt`, due now; a delivery already owed for that attempt keeps its place and backoff. */
export function owe(outbox: Outbox, kind: Exclude<DeliveryKind, "history" | "webhook">, attempt: number, now: number): void {
	const key = `${kind}:${attempt}`;
	if (!outbox.deliveries.some((d) => d.key === key)) {
		outbox.deliveries.push({ kind, key, attempt, tries: 0, retry_at: now });
	}
}

/** Owes the webhook event `type` of the transition that made `record`, due now (src/webhooks/). */
export function oweWebhook(outbox: Outbox, type: WebhookEventType, record: TaskRecord, now: number): void {
	const id = taskEventId(record.task_id, record.version);
	const event: WebhookEvent = { id, type, timestamp: new Date(now).toISOString(), data: toPublicTask(record) };
	outbox.deliveries.push({ kind: "webhook", key: `webhook:${id}`, event, tries: 0, retry_at: now });
}

/**
 * Every commit owes its version to history. At once when the task is terminal, or when it is
 * created with no offer to carry it (created SCHEDULED); otherwise after HISTORY_DELAY_MS. A
 * write already waiting keeps its turn, so newer states cannot postpone it.
 */
export function oweHistory(outbox: Outbox, record: TaskRecord, now: number): void {
	if (record.version <= outbox.history_version) {
		return;
	}
	const carried = outbox.deliveries.some((d) => d.kind === "offer");
	const urgent = isTerminal(record.status) || (record.version === 1 && !carried);
	const due = urgent ? now : now + HISTORY_DELAY_MS;
	const waiting = outbox.deliveries.find((d) => d.kind === "history");
	if (waiting?.kind === "history") {
		waiting.version = record.version;
		waiting.retry_at = Math.min(waiting.retry_at, due);
	} else {
		outbox.deliveries.push({ kind: "history", key: "history", version: record.version, tries: 0, retry_at: due });
	}
}

/** When the alarm must look at the outbox again, or null when nothing is owed. */
export function outboxDeadline(outbox: Outbox, now: number): number | null {
	if (outbox.deliveries.length === 0) {
		return null;
	}
	return Math.min(...outbox.deliveries.map((d) => (d.retry_at > now ? d.retry_at : now + SAFETY_MS)));
}

function acknowledgeHistory(outbox: Outbox, version: number): void {
	outbox.history_version = Math.max(outbox.history_version, version);
	outbox.deliveries = outbox.deliveries.filter((d) => d.kind !== "history" || d.version > outbox.history_version);
}

function settle(outbox: Outbox, delivery: Delivery): void {
	outbox.deliveries = outbox.deliveries.filter((d) => d !== delivery);
}

const snapshotOf = (record: TaskRecord): HistorySnapshot => ({ tenant: record.tenant, task: toPublicTask(record) });

function offerOf(record: TaskRecord): Offer {
	return {
		tenant: record.tenant,
		task_id: record.task_id,
		namespace: record.namespace,
		task_type: record.task_type,
		task_name: record.task_name,
		priority: record.priority,
		attempt: record.attempt,
		created_at: Date.parse(record.created_at),
		execution: record.execution,
		snapshot: snapshotOf(record),
	};
}

/** The live task and its outbox; `record` may be replaced while a flush runs (a grant commits). */
export interface FlushTarget {
	record: TaskRecord;
	outbox: Outbox;
}

/**
 * Sends every delivery that is due, in the order owed; a failure backs that delivery off and
 * the rest go on. A granted offer calls `granted(attempt)`, which applies the machine's
 * `dispatch` event. Never throws for a receiver's failure.
 */
export async function flushOutbox(env: Env, target: FlushTarget, now: number, granted: (attempt: number) => void): Promise<void> {
	for (const delivery of [...target.outbox.deliveries]) {
		const releasePending = target.outbox.deliveries.some((d) => d.kind === "release");
		// A release carries the latest snapshot and acknowledges it: history need not go alone.
		if (delivery.retry_at > now || (delivery.kind === "history" && releasePending)) {
			continue;
		}
		try {
			await deliver(env, target, delivery, granted);
		} catch (error) {
			delivery.tries += 1;
			delivery.retry_at = now + Math.max(250, backoffMs(delivery.tries, Math.random, OUTBOX_BACKOFF));
			console.warn(`taskplane: ${delivery.kind} delivery failed; the alarm will retry`, target.record.task_id, error);
		}
	}
}

async function deliver(env: Env, target: FlushTarget, delivery: Delivery, granted: (attempt: number) => void): Promise<void> {
	const { outbox } = target;
	const record = target.record;
	const dispatcher = dispatcherFor(env, record.tenant, record.namespace);
	switch (delivery.kind) {
		case "offer": {
			// An attempt that no longer waits (cancelled, already granted) has nothing to ask for.
			const offer = awaitsTurn(record, delivery.attempt) ? offerOf(record) : null;
			const answer = offer ? await dispatcher.offer(offer) : null;
			settle(outbox, delivery);
			if (offer && answer?.recorded) {
				// Before the grant commits its own state, so that state's history write waits its full delay.
				acknowledgeHistory(outbox, offer.snapshot.task.version);
			}
			if (answer?.granted) {
				granted(delivery.attempt);
			}
			return;
		}
		case "release": {
			const snapshot = snapshotOf(record);
			await dispatcher.release({ tenant: record.tenant, task_id: record.task_id, attempt: delivery.attempt, snapshot });
			settle(outbox, delivery);
			acknowledgeHistory(outbox, snapshot.task.version);
			return;
		}
		case "enqueue": {
			if (awaitsStart(record, delivery.attempt)) {
				const message: TaskQueueMessage = { task_id: record.task_id, tenant: record.tenant, attempt: record.attempt };
				await env.TASK_QUEUE.send(message, { contentType: "json" });
				// A message is written, read and deleted: three billable operations.
				count("queue_operations", 3);
			}
			settle(outbox, delivery);
			return;
		}
		case "history": {
			const snapshot = snapshotOf(record);
			if (snapshot.task.version > outbox.history_version) {
				await dispatcher.record(snapshot);
			}
			acknowledgeHistory(outbox, snapshot.task.version);
			return;
		}
		case "webhook": {
			await publishTaskEvent(env, record.tenant, delivery.event, record.callback_url);
			settle(outbox, delivery);
			return;
		}
		default: {
			const unknown: never = delivery;
			throw new Error(`unhandled delivery ${JSON.stringify(unknown)}`);
		}
	}
}
