/**
 * What the task's projections have yet to receive: the queue message for a QUEUED attempt and
 * the D1 history snapshot. Stored with the task in the same transaction; flushed right after
 * and retried from the alarm. Acknowledgements stay in memory and ride along with the next
 * write: after an eviction a flush may repeat, which both receivers tolerate (the consumer's
 * start is fenced by attempt, the history write by version).
 */
import { historyDb } from "../history/db";
import { saveTaskSnapshot } from "../history/tasks";
import { count } from "../usage";
import { backoffMs } from "./retry";
import { isTerminal, type TaskRecord, toPublicTask } from "./task";

export interface Outbox {
	/** The attempt whose queue message has not been sent yet. */
	enqueue_attempt: number | null;
	/** When the current attempt's message was last sent. */
	enqueued_at: number;
	/** The task version D1 has acknowledged. */
	history_version: number;
	/** Earliest time the next history write may go (coalescing). */
	history_due_at: number;
	last_history_write_at: number;
	committed_at: number;
	failures: number;
	retry_at: number | null;
}

export interface TaskQueueMessage {
	task_id: string;
	tenant: string;
	attempt: number;
}

/** Intermediate states reach D1 at most once a second per task; creation and the end at once. */
const HISTORY_COALESCE_MS = 1_000;
/** If the immediate flush has not cleared the outbox by then, the alarm retries it. */
const SAFETY_MS = 5_000;
const OUTBOX_BACKOFF = { baseMs: 1_000, factor: 2, capMs: 60_000 };
/**
 * A message the queue accepted but never delivered (sent to the dead-letter queue after the
 * consumer's retries, or lost) would leave the task QUEUED for ever: after this long without a
 * start, the attempt is sent again. A late original is harmless, the start is fenced.
 */
const REDELIVER_AFTER_MS = 15 * 60_000;

export function emptyOutbox(): Outbox {
	return {
		enqueue_attempt: null,
		enqueued_at: 0,
		history_version: 0,
		history_due_at: 0,
		last_history_write_at: 0,
		committed_at: 0,
		failures: 0,
		retry_at: null,
	};
}

/**
 * Creation and the end go to D1 at once. An intermediate state waits a coalescing interval, so a
 * task that starts and finishes within it is written twice (created, finished), not three
 * times: at D1's price per row and index entry that is most of a task's cost. A write already
 * waiting keeps its turn, so a stream of progress reports cannot postpone it for ever.
 */
export function scheduleHistoryWrite(outbox: Outbox, record: TaskRecord, now: number): void {
	const urgent = outbox.history_version === 0 || isTerminal(record.status);
	const alreadyWaiting = record.version - 1 > outbox.history_version && outbox.history_due_at > now;
	if (urgent) {
		outbox.history_due_at = now;
	} else if (!alreadyWaiting) {
		outbox.history_due_at = Math.max(now, outbox.last_history_write_at) + HISTORY_COALESCE_MS;
	}
	outbox.committed_at = now;
}

function enqueuePending(outbox: Outbox, record: TaskRecord): boolean {
	return outbox.enqueue_attempt !== null && record.status === "QUEUED" && record.attempt === outbox.enqueue_attempt;
}

function historyPending(outbox: Outbox, record: TaskRecord): boolean {
	return record.version > outbox.history_version;
}

/** When the alarm must look at the outbox again, or null when nothing is owed. */
export function outboxDeadline(outbox: Outbox, record: TaskRecord): number | null {
	if (!enqueuePending(outbox, record) && !historyPending(outbox, record)) {
		return record.status === "QUEUED" ? outbox.enqueued_at + REDELIVER_AFTER_MS : null;
	}
	if (outbox.retry_at !== null) {
		return outbox.retry_at;
	}
	// A coalesced write waits for its turn; anything due now is being flushed, and the safety
	// deadline only catches a flush that never finished.
	if (!enqueuePending(outbox, record) && outbox.history_due_at > outbox.committed_at) {
		return outbox.history_due_at;
	}
	return outbox.committed_at + SAFETY_MS;
}

export async function flushOutbox(env: Env, stored: { record: TaskRecord; outbox: Outbox }, now: number): Promise<void> {
	const { outbox } = stored;
	let failed = false;
	if (outbox.enqueue_attempt !== null && !enqueuePending(outbox, stored.record)) {
		outbox.enqueue_attempt = null;
	}
	if (stored.record.status === "QUEUED" && outbox.enqueue_attempt === null && now >= outbox.enqueued_at + REDELIVER_AFTER_MS) {
		console.warn("taskplane: attempt still not started; sending it again", stored.record.task_id, stored.record.attempt);
		outbox.enqueue_attempt = stored.record.attempt;
	}
	if (enqueuePending(outbox, stored.record)) {
		const record = stored.record;
		const message: TaskQueueMessage = { task_id: record.task_id, tenant: record.tenant, attempt: record.attempt };
		try {
			await env.TASK_QUEUE.send(message, { contentType: "json" });
			// A message is written, read and deleted: three billable operations.
			count("queue_operations", 3);
			outbox.enqueue_attempt = null;
			outbox.enqueued_at = now;
		} catch (error) {
			console.warn("taskplane: queue send failed; the alarm will retry", record.task_id, error);
			failed = true;
		}
	}
	if (historyPending(outbox, stored.record) && outbox.history_due_at <= now) {
		const record = stored.record;
		try {
			count("d1_rows_written", await saveTaskSnapshot(historyDb(env.DB), record.tenant, toPublicTask(record)));
			outbox.history_version = Math.max(outbox.history_version, record.version);
			outbox.last_history_write_at = now;
		} catch (error) {
			console.warn("taskplane: history write failed; the alarm will retry", record.task_id, error);
			failed = true;
		}
	}
	outbox.failures = failed ? outbox.failures + 1 : 0;
	outbox.retry_at = failed ? now + Math.max(250, backoffMs(outbox.failures, Math.random, OUTBOX_BACKOFF)) : null;
}
