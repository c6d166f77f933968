/**
 * The contract between a task and its namespace's dispatcher (ARCHITECTURE.md, The TaskObject). The task's
 * outbox owns every delivery until the dispatcher has acknowledged it; the dispatcher owns the
 * ready set, the running set (one slot per running attempt), the limits and the group commit
 * of history snapshots to D1. Every call is idempotent by `(task_id, attempt)` or, for
 * snapshots, by `(task_id, version)`, so a repeated delivery (alarms are at-least-once) is
 * harmless.
 */
import type { ExecutionMode } from "../execute/protocol";
import type { Task } from "../task/task";

/**
 * Why a PENDING task has no turn yet. `dispatching`: its offer has not reached the dispatcher.
 * `worker`: a pull task waits in the ready set for a worker's claim.
 */
export type WaitingReason = "concurrency" | "rate_limit" | "paused" | "dispatching" | "worker";

export interface Waiting {
	reason: WaitingReason;
	/** ISO 8601: when the task started waiting for this reason. */
	since: string;
	/** 1-based place in the ready set, when the dispatcher can tell cheaply. */
	position?: number;
}

/** A task's snapshot for the history projection; D1 keeps only the highest version of each task. */
export interface HistorySnapshot {
	tenant: string;
	task: Task;
}

/** A PENDING task asking for a turn for one attempt. */
export interface Offer {
	tenant: string;
	task_id: string;
	namespace: string;
	task_type: string;
	task_name: string;
	/** Higher runs first. */
	priority: number;
	attempt: number;
	/** Epoch ms; among equal priorities the older task goes first. */
	created_at: number;
	/**
	 * Who runs the attempt (builtin when absent). A `pull` offer is never granted as a queue
	 * turn: it waits in the ready set until a worker's claim takes it (`claimAttempt`).
	 */
	execution?: ExecutionMode;
	/** Handed on to history with the next group commit; the answer says whether D1 has it. */
	snapshot: HistorySnapshot;
}

/**
 * `recorded`: D1 holds the offer's snapshot (or a later one), so the task owes history nothing
 * up to that version. False when the group commit failed, and always for a grant: a granted
 * offer is answered at once, its snapshot still waiting in the group commit, and the task's
 * own history delivery (or its release) writes that state later. A waiting offer's answer
 * waits for the group commit (at once while the namespace is quiet, at most one window under
 * load); the slot or the place in line is taken before.
 */
export type OfferAnswer = ({ granted: true } | { granted: false; waiting: Waiting }) & { recorded?: boolean };

/** The attempt no longer waits for or holds a turn: it ended, is backing off before a retry, or was cancelled. */
export interface Release {
	tenant: string;
	task_id: string;
	attempt: number;
	snapshot: HistorySnapshot;
}

/** What a TaskObject calls on its namespace's dispatcher. */
export interface Dispatcher {
	/**
	 * Granted at once when a slot and a token are free; otherwise the task joins the ready set and
	 * is granted later. Resolves once D1 holds the offer's snapshot (or the write failed).
	 */
	offer(offer: Offer): Promise<OfferAnswer>;
	/** Frees the attempt's slot (or its place in the ready set); resolves once D1 holds the snapshot. */
	release(release: Release): Promise<void>;
	/** History only: resolves once D1 holds the snapshot. */
	record(snapshot: HistorySnapshot): Promise<void>;
}

/** What the dispatcher calls on a TaskObject. */
export interface Grantee {
	/** A turn for `attempt`: true when the task is now (or already) QUEUED or PROCESSING that attempt; false frees the slot. */
	grant(attempt: number): Promise<boolean>;
	/** Reconciliation of a release that never came: does the task still hold a turn for `attempt`? */
	holdsTurn(attempt: number): Promise<boolean>;
}
