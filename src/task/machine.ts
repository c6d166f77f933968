/**
 * The only place that decides what a state change is (ARCHITECTURE.md, States). Pure: no I/O, no
 * clock, no randomness of its own; `ctx` brings `now` and `random`, so every rule is testable.
 */
import type { ExecutionMode } from "../execute/protocol";
import { eventOfTransition, isTerminalEvent, type WebhookEventType } from "../webhooks/events";
import { backoffMs, type RetryBackoff, retryPolicy } from "./retry";
import { type ItemError, isCompleted, isTerminal, type Task, type TaskProgress, type TaskRecord, type TaskStatus } from "./task";

export type CancelMode = "soft" | "hard";

export interface TaskFailure {
	code: string;
	message: string;
	retryable: boolean;
}

export type TaskEvent =
	/**
	 * The dispatcher's turn for `attempt`: a grant for an earlier attempt is stale. A builtin
	 * attempt starts at once with a lease of `lease_ms` (its object runs it); an http one is queued.
	 */
	| { type: "dispatch"; attempt: number; lease_ms: number }
	| { type: "wake" }
	/** A QUEUED attempt nothing has started: its message is sent again (a late original is fenced). */
	| { type: "redeliver"; attempt: number }
	/**
	 * A runner takes the attempt: QUEUED → PROCESSING (an external task: PENDING → PROCESSING).
	 * `token_hash` is the new attempt token's hash (null: keep the one issued before, as an
	 * external task's create did); `lease_ms` null means no lease.
	 */
	| { type: "start"; attempt: number; lease_ms: number | null; token_hash: string | null; runner: string }
	/** A pull worker's claim: PENDING → PROCESSING, no queue turn between. */
	| { type: "claim"; attempt: number; lease_ms: number; token_hash: string; runner: string }
	/** The runner is alive: the lease is renewed when less than half of it remains. */
	| { type: "heartbeat"; attempt: number }
	/** The lease ran out: the runner is gone. */
	| { type: "lease_expired"; attempt: number }
	| { type: "progress"; attempt: number; progress: TaskProgress }
	| { type: "complete"; attempt: number; result: unknown; errors: ItemError[] }
	| { type: "fail"; attempt: number; error: TaskFailure }
	| { type: "timeout"; attempt: number }
	| { type: "cancel"; mode: CancelMode; grace_seconds?: number }
	| { type: "escalate_cancel" }
	/** `token_hash`: the new attempt's token, kept only by an external task (its runner gets it with the answer). */
	| { type: "retry"; reset_attempts: boolean; token_hash?: string };

export type TaskEventType = TaskEvent["type"];

/**
 * What the owner of the task must deliver once the new state is stored (each becomes an outbox
 * delivery, retried until its receiver acknowledges it). History is not an effect: every commit
 * owes its version to history, and the outbox derives that delivery itself.
 */
export type Effect =
	/** Ask the dispatcher for a turn for `attempt`; a grant comes back as a `dispatch` event. */
	| { type: "offer"; attempt: number }
	/** The attempt left the ready or running set (ended, backing off, cancelled): free its turn. */
	| { type: "release"; attempt: number }
	/** Hand the attempt to the queue. */
	| { type: "enqueue"; attempt: number }
	/** A webhook event this transition emits for the task's subscribers or its callback (src/webhooks/events.ts). */
	| { type: "notify"; event: WebhookEventType };

/** A QUEUED attempt whose message has not started it by then is sent again. */
export const REDELIVER_AFTER_MS = 30_000;

/** A transition as the task's history records it (`GET /v1/tasks/{id}/events`). */
export interface TransitionNote {
	type: string;
	/** Null for the first note, when the task came into being. */
	from_status: TaskStatus | null;
	to_status: TaskStatus;
	message: string;
	data: Record<string, unknown> | null;
}

/** A running attempt's lease: its length, its deadline (ms) and the public ISO form. */
function leased(leaseMs: number | null, now: number): Pick<TaskRecord, "lease_ms" | "lease_deadline" | "lease_expires_at"> {
	const deadline = leaseMs === null ? null : now + leaseMs;
	return { lease_ms: leaseMs, lease_deadline: deadline, lease_expires_at: deadline === null ? null : iso(deadline) };
}

const NO_LEASE = leased(null, 0);

/**
 * A report renews the lease only when less than half of it remains, so a runner reporting every
 * second costs a stored write every half-lease, not one per report. The renewal is no new
 * version: history is not told (the lease is for the object's alarm, not for lists).
 */
function renewed(task: TaskRecord, now: number): TaskRecord {
	if (task.lease_ms === null || task.lease_deadline === null || task.lease_deadline - now >= task.lease_ms / 2) {
		return task;
	}
	return { ...task, ...leased(task.lease_ms, now) };
}

/** An external task is tracked, not dispatched: it never asks the dispatcher for a turn. */
function offerFor(task: TaskRecord, attempt: number): Effect[] {
	return task.execution === "external" ? [] : [{ type: "offer", attempt }];
}

export interface MachineContext {
	now: number;
	random: () => number;
}

export type Rejection = { ok: false; code: "CONFLICT" | "STALE_ATTEMPT"; reason: string };
export type Accepted = { ok: true; task: TaskRecord; effects: Effect[]; note: TransitionNote | null };
export type TransitionResult = Accepted | Rejection;

const iso = (ms: number): string => new Date(ms).toISOString();

function reject(code: Rejection["code"], reason: string): Rejection {
	return { ok: false, code, reason };
}

function moved(
	from: TaskRecord,
	to: TaskRecord,
	type: string,
	message: string,
	effects: Effect[] = [],
	data: Record<string, unknown> | null = null,
): Accepted {
	const task = { ...to, version: from.version + 1 };
	const released: Effect[] = holdsTurn(from.status) && !holdsTurn(task.status) ? [{ type: "release", attempt: from.attempt }] : [];
	return {
		ok: true,
		task,
		effects: [...released, ...effects, ...notified(from, task)],
		note: { type, from_status: from.status, to_status: task.status, message, data },
	};
}

/**
 * The webhook event a transition owes: the one its change of status emits, when a subscription
 * wanted it at creation (`webhook_events`) or it ends a task that names a `callback_url`.
 */
function notified(from: TaskRecord, to: TaskRecord): Effect[] {
	const event = eventOfTransition(from.status, to.status);
	if (event === null) {
		return [];
	}
	const wanted = (to.webhook_events ?? []).includes(event) || (!!to.callback_url && isTerminalEvent(event));
	return wanted ? [{ type: "notify", event }] : [];
}

/** The dispatcher's view of a turn (Grantee.holdsTurn): QUEUED or PROCESSING that very attempt. */
/** The attempt still waits for its turn, so an offer for it is worth sending. */
export function awaitsTurn(task: TaskRecord, attempt: number): boolean {
	return task.status === "PENDING" && task.attempt === attempt;
}

/** The attempt was granted and not started yet, so its queue message is still owed. */
export function awaitsStart(task: TaskRecord, attempt: number): boolean {
	return task.status === "QUEUED" && task.attempt === attempt;
}

/**
 * An external task's runner may never send `start`: its first report on the waiting attempt
 * starts it. The start event to apply before the report, or null when the report needs none.
 */
export function startByReport(task: TaskRecord, attempt: number, leaseMs: number | null): TaskEvent | null {
	return task.execution === "external" && awaitsTurn(task, attempt)
		? { type: "start", attempt, lease_ms: leaseMs, token_hash: null, runner: "external" }
		: null;
}

export function holdsTurnFor(task: TaskRecord, attempt: number): boolean {
	return task.attempt === attempt && (task.status === "QUEUED" || task.status === "PROCESSING");
}

/** In the dispatcher's ready set (PENDING, having offered) or running set (QUEUED, PROCESSING). */
function holdsTurn(status: TaskStatus): boolean {
	return status === "PENDING" || status === "QUEUED" || status === "PROCESSING";
}

/** Reports (progress, log, complete, fail) are fenced by attempt: only the running one counts. */
export function checkReport(task: TaskRecord, attempt: number): Rejection | null {
	if (isTerminal(task.status)) {
		return reject("CONFLICT", `task is ${task.status}; reports for attempt ${attempt} are discarded`);
	}
	if (task.status !== "PROCESSING" || task.attempt !== attempt) {
		return reject("STALE_ATTEMPT", `attempt ${attempt} is not running (task is ${task.status}, attempt ${task.attempt})`);
	}
	return null;
}

function finish(task: TaskRecord, status: TaskStatus, now: number, fields: Partial<TaskRecord>): TaskRecord {
	const started = task.started_at ? Date.parse(task.started_at) : null;
	return {
		...task,
		...fields,
		status,
		completed_at: iso(now),
		duration_seconds: started === null ? null : Math.max(0, (now - started) / 1000),
		timeout_at: null,
		cancel_deadline_at: null,
		redeliver_at: null,
		...NO_LEASE,
	};
}

/** Every way a task ends CANCELED has one shape: code CANCELED and a message saying how. */
function canceled(task: TaskRecord, now: number, how: string): TaskRecord {
	return finish(task, "CANCELED", now, { cancel_requested: true, error_code: "CANCELED", error_message: how });
}

/** A failed attempt: retried later while tries are left, else terminal. */
function failAttempt(task: TaskRecord, error: TaskFailure, ctx: MachineContext, type: string): Accepted {
	const errorFields = { error_code: error.code, error_message: error.message };
	if (task.cancel_requested) {
		const how = `soft cancel: attempt ${task.attempt} stopped (${error.code}: ${error.message})`;
		return moved(task, canceled(task, ctx.now, how), type, how, [], { mode: "soft", error_code: error.code });
	}
	// An external runner owns its retries: a new attempt would need a token nobody holds.
	if (error.retryable && task.retry_count < task.max_retries && task.execution !== "external") {
		const runAt = ctx.now + backoffMs(task.attempt, ctx.random, retryPolicy(task.backoff));
		const next: TaskRecord = {
			...task,
			...errorFields,
			status: "SCHEDULED",
			attempt: task.attempt + 1,
			retry_count: task.retry_count + 1,
			run_at: iso(runAt),
			timeout_at: null,
			redeliver_at: null,
			...NO_LEASE,
		};
		const message = `attempt ${task.attempt} failed (${error.code}); retry ${next.retry_count} of ${task.max_retries} at ${next.run_at}`;
		return moved(task, next, type, message, [], { error_code: error.code, retryable: true });
	}
	const next = finish(task, "FAILED", ctx.now, errorFields);
	const why = error.retryable ? "no retries left" : "not retryable";
	return moved(task, next, type, `attempt ${task.attempt} failed (${error.code}): ${why}`, [], {
		error_code: error.code,
		retryable: error.retryable,
	});
}

function cancel(task: TaskRecord, mode: CancelMode, graceSeconds: number | undefined, ctx: MachineContext): TransitionResult {
	if (task.status === "PROCESSING" && mode === "soft") {
		if (task.cancel_requested) {
			return { ok: true, task, effects: [], note: null };
		}
		const deadline = graceSeconds === undefined ? null : ctx.now + graceSeconds * 1000;
		const next = { ...task, cancel_requested: true, cancel_deadline_at: deadline };
		const message =
			deadline === null ? "soft cancel requested" : `soft cancel requested; hard cancel at ${iso(deadline)} if unacknowledged`;
		return moved(task, next, "cancel_requested", message, [], { mode, grace_seconds: graceSeconds ?? null });
	}
	const how =
		task.status === "PROCESSING" ? `${mode} cancel: attempt ${task.attempt} stopped while running` : `${mode} cancel while ${task.status}`;
	return moved(task, canceled(task, ctx.now, how), "canceled", how, [], { mode });
}

function retry(task: TaskRecord, resetAttempts: boolean, tokenHash: string | undefined): TransitionResult {
	if (task.status !== "FAILED" && task.status !== "CANCELED") {
		return reject("CONFLICT", `only FAILED or CANCELED tasks can be retried; task is ${task.status}`);
	}
	if (!resetAttempts && task.retry_count >= task.max_retries) {
		return reject(
			"CONFLICT",
			`retry_count ${task.retry_count} has reached max_retries ${task.max_retries}; send {"reset_attempts": true} to retry anyway`,
		);
	}
	const next: TaskRecord = {
		...task,
		status: "PENDING",
		attempt: task.attempt + 1,
		retry_count: resetAttempts ? 0 : task.retry_count + 1,
		result: null,
		error_code: null,
		error_message: null,
		errors: [],
		progress: null,
		run_at: null,
		queued_at: null,
		started_at: null,
		completed_at: null,
		duration_seconds: null,
		cancel_requested: false,
		timeout_at: null,
		cancel_deadline_at: null,
		redeliver_at: null,
		...NO_LEASE,
		tokens:
			task.execution === "external" && tokenHash !== undefined
				? [...task.tokens, { attempt: task.attempt + 1, hash: tokenHash }]
				: task.tokens,
	};
	return moved(task, next, "retried", `manual retry as attempt ${next.attempt}`, offerFor(task, next.attempt), {
		reset_attempts: resetAttempts,
	});
}

/** An attempt begins: PROCESSING with its timeout, its lease and (when given) its new token. */
function begin(
	task: TaskRecord,
	event: { attempt: number; lease_ms: number | null; token_hash: string | null; runner: string },
	ctx: MachineContext,
	type: string,
): Accepted {
	const next: TaskRecord = {
		...task,
		status: "PROCESSING",
		started_at: iso(ctx.now),
		timeout_at: ctx.now + task.timeout_seconds * 1000,
		redeliver_at: null,
		...leased(event.lease_ms, ctx.now),
		tokens: event.token_hash === null ? task.tokens : [...task.tokens, { attempt: event.attempt, hash: event.token_hash }],
	};
	return moved(task, next, type, `attempt ${task.attempt} ${type} by ${event.runner}`, [], { runner: event.runner });
}

export interface NewTask {
	task_id: string;
	tenant: string;
	task_name: string;
	task_type: string;
	task_type_display: string;
	namespace: string;
	priority: number;
	payload: unknown;
	max_retries: number;
	timeout_seconds: number;
	/** Epoch ms; a time in the future makes the task SCHEDULED until then. */
	run_at: number | null;
	metadata: Record<string, string>;
	created_by: string | null;
	idempotency_key: string | null;
	/** builtin when omitted. */
	execution?: ExecutionMode;
	/** The lease each attempt gets (s); null or omitted: the runner's default, none for external. */
	lease_seconds?: number | null;
	/** An external task's token for attempt 1, handed to the creator with the answer. */
	token_hash?: string | null;
	/** Omitted: not pushed, or pushed where the task's type says. */
	target?: Task["target"];
	/** The type's retry backoff; omitted: the default. */
	backoff?: RetryBackoff | null;
	/** Where the terminal event is POSTed; omitted: nowhere. */
	callback_url?: string | null;
	/** The events the tenant's subscriptions want for this task (decided at creation); omitted: none. */
	webhook_events?: WebhookEventType[];
}

/** A task's first state: PENDING (asking for a turn at once), or SCHEDULED for a later run_at. */
export function createTask(spec: NewTask, ctx: MachineContext): Accepted {
	const scheduled = spec.run_at !== null && spec.run_at > ctx.now;
	const { token_hash: tokenHash, ...fields } = spec;
	const task: TaskRecord = {
		...fields,
		execution: spec.execution ?? "builtin",
		target: spec.target ?? null,
		backoff: spec.backoff ?? null,
		callback_url: spec.callback_url ?? null,
		webhook_events: spec.webhook_events ?? [],
		lease_seconds: spec.lease_seconds ?? null,
		...NO_LEASE,
		tokens: tokenHash ? [{ attempt: 1, hash: tokenHash }] : [],
		status: scheduled ? "SCHEDULED" : "PENDING",
		run_at: spec.run_at === null ? null : iso(spec.run_at),
		result: null,
		error_code: null,
		error_message: null,
		errors: [],
		progress: null,
		attempt: 1,
		retry_count: 0,
		created_at: iso(ctx.now),
		queued_at: null,
		started_at: null,
		completed_at: null,
		duration_seconds: null,
		cancel_requested: false,
		version: 1,
		timeout_at: null,
		cancel_deadline_at: null,
		redeliver_at: null,
	};
	const message = scheduled ? `created; scheduled for ${task.run_at}` : "created";
	const effects: Effect[] = scheduled ? [] : offerFor(task, 1);
	return { ok: true, task, effects, note: { type: "created", from_status: null, to_status: task.status, message, data: null } };
}

/** The one state machine. Forbidden pairs are rejected with a reason, never thrown. */
export function transition(task: TaskRecord, event: TaskEvent, ctx: MachineContext): TransitionResult {
	if (isTerminal(task.status) && event.type !== "retry") {
		return reject("CONFLICT", `task is ${task.status}; ${event.type} is not allowed on a finished task`);
	}
	switch (event.type) {
		case "dispatch": {
			if (task.execution === "pull") {
				return reject("STALE_ATTEMPT", "a pull task is claimed by a worker, never queued");
			}
			if (task.status !== "PENDING" || task.attempt !== event.attempt) {
				return reject("STALE_ATTEMPT", `a turn for attempt ${event.attempt} is stale (task is ${task.status}, attempt ${task.attempt})`);
			}
			if (task.execution === "builtin") {
				// Nothing to hand over: the task's own object runs the handler, so the turn starts the
				// attempt in this one commit (no queue message, no QUEUED state in between).
				const granted = { ...task, queued_at: iso(ctx.now) };
				return begin(granted, { attempt: task.attempt, lease_ms: event.lease_ms, token_hash: null, runner: "builtin" }, ctx, "started");
			}
			const next = { ...task, status: "QUEUED" as const, queued_at: iso(ctx.now), redeliver_at: ctx.now + REDELIVER_AFTER_MS };
			return moved(task, next, "queued", `attempt ${task.attempt} queued`, [{ type: "enqueue", attempt: task.attempt }]);
		}
		case "redeliver": {
			if (task.status !== "QUEUED" || task.attempt !== event.attempt) {
				return reject("STALE_ATTEMPT", `attempt ${event.attempt} is not waiting in the queue`);
			}
			// The resource does not change (same version, no new history row): only the message
			// goes out again, and the note says so in the task's events.
			const waited = Math.round((ctx.now - Date.parse(task.queued_at ?? iso(ctx.now))) / 1000);
			return {
				ok: true,
				task: { ...task, redeliver_at: ctx.now + REDELIVER_AFTER_MS },
				effects: [{ type: "enqueue", attempt: task.attempt }],
				note: {
					type: "redelivered",
					from_status: "QUEUED",
					to_status: "QUEUED",
					message: `attempt ${task.attempt} not started ${waited} s after it was queued; its message was sent again`,
					data: null,
				},
			};
		}
		case "wake": {
			if (task.status !== "SCHEDULED") {
				return reject("CONFLICT", `wake needs SCHEDULED; task is ${task.status}`);
			}
			const next = { ...task, status: "PENDING" as const };
			return moved(task, next, "due", `run_at ${task.run_at} reached`, offerFor(task, task.attempt));
		}
		case "start": {
			const from = task.execution === "external" ? "PENDING" : "QUEUED";
			if (task.status !== from || task.attempt !== event.attempt) {
				return reject("STALE_ATTEMPT", `attempt ${event.attempt} cannot start (task is ${task.status}, attempt ${task.attempt})`);
			}
			return begin(task, event, ctx, "started");
		}
		case "claim": {
			if (task.execution !== "pull") {
				return reject("STALE_ATTEMPT", `a ${task.execution} task is not claimed by workers`);
			}
			if (task.status !== "PENDING" || task.attempt !== event.attempt) {
				return reject("STALE_ATTEMPT", `attempt ${event.attempt} cannot be claimed (task is ${task.status}, attempt ${task.attempt})`);
			}
			return begin(task, event, ctx, "claimed");
		}
		case "heartbeat": {
			const fenced = checkReport(task, event.attempt);
			return fenced ?? { ok: true, task: renewed(task, ctx.now), effects: [], note: null };
		}
		case "lease_expired": {
			if (task.status !== "PROCESSING" || task.attempt !== event.attempt || task.lease_deadline === null) {
				return reject("STALE_ATTEMPT", `attempt ${event.attempt} holds no lease`);
			}
			if (task.lease_deadline > ctx.now) {
				return reject("CONFLICT", `the lease of attempt ${event.attempt} runs until ${task.lease_expires_at}`);
			}
			const seconds = (task.lease_ms ?? 0) / 1000;
			const error = { code: "LEASE_EXPIRED", message: `no report from the runner within its ${seconds} s lease`, retryable: true };
			return failAttempt(task, error, ctx, "lease_expired");
		}
		case "progress": {
			const fenced = checkReport(task, event.attempt);
			if (fenced) {
				return fenced;
			}
			return {
				ok: true,
				task: { ...renewed(task, ctx.now), progress: event.progress, version: task.version + 1 },
				effects: [],
				note: null,
			};
		}
		case "complete": {
			const fenced = checkReport(task, event.attempt);
			if (fenced) {
				return fenced;
			}
			const status = event.errors.length > 0 ? "COMPLETED_WITH_ERRORS" : "COMPLETED";
			// A success clears an earlier attempt's error; item errors of a partial success are this attempt's own.
			const next = finish(task, status, ctx.now, {
				result: event.result ?? null,
				errors: event.errors,
				error_code: null,
				error_message: null,
			});
			const message = `attempt ${task.attempt} completed${event.errors.length > 0 ? ` with ${event.errors.length} item errors` : ""}`;
			return moved(task, next, "completed", message);
		}
		case "fail": {
			const fenced = checkReport(task, event.attempt);
			return fenced ?? failAttempt(task, event.error, ctx, "failed");
		}
		case "timeout": {
			if (task.status !== "PROCESSING" || task.attempt !== event.attempt) {
				return reject("STALE_ATTEMPT", `attempt ${event.attempt} is not running`);
			}
			const error = { code: "TIMEOUT", message: `attempt exceeded timeout_seconds (${task.timeout_seconds})`, retryable: true };
			return failAttempt(task, error, ctx, "timed_out");
		}
		case "cancel":
			return cancel(task, event.mode, event.grace_seconds, ctx);
		case "escalate_cancel": {
			if (task.status !== "PROCESSING" || !task.cancel_requested) {
				return reject("CONFLICT", "no soft cancel is waiting to escalate");
			}
			const how = `soft cancel not acknowledged by its grace deadline: attempt ${task.attempt} stopped as a hard cancel`;
			return moved(task, canceled(task, ctx.now, how), "canceled", how, [], { mode: "hard", escalated: true });
		}
		case "retry":
			return retry(task, event.reset_attempts, event.token_hash);
		default: {
			const unknown: never = event;
			throw new Error(`unhandled event ${JSON.stringify(unknown)}`);
		}
	}
}

/** Waiting for its turn: no attempt of the task is running (a soft cancel ends it at once). */
export function isWaiting(status: TaskStatus): boolean {
	return status === "PENDING" || status === "SCHEDULED" || status === "QUEUED";
}

/**
 * A status no event can leave. FAILED and CANCELED are terminal but not final: a manual retry
 * brings them back, so only these may be cached as never changing again.
 */
export function isFinal(status: TaskStatus): boolean {
	return isCompleted(status);
}

/** Every deadline the task is waiting on; the object arms its one alarm at the earliest. */
export function deadlines(task: TaskRecord, purgeAfterMs: number): { at: number; event: TaskEvent | "purge" }[] {
	const due: { at: number; event: TaskEvent | "purge" }[] = [];
	if (task.status === "SCHEDULED" && task.run_at) {
		due.push({ at: Date.parse(task.run_at), event: { type: "wake" } });
	}
	if (task.status === "QUEUED" && task.redeliver_at) {
		due.push({ at: task.redeliver_at, event: { type: "redeliver", attempt: task.attempt } });
	}
	if (task.status === "PROCESSING" && task.timeout_at !== null) {
		due.push({ at: task.timeout_at, event: { type: "timeout", attempt: task.attempt } });
	}
	if (task.status === "PROCESSING" && task.lease_deadline !== null) {
		due.push({ at: task.lease_deadline, event: { type: "lease_expired", attempt: task.attempt } });
	}
	if (task.status === "PROCESSING" && task.cancel_deadline_at !== null) {
		due.push({ at: task.cancel_deadline_at, event: { type: "escalate_cancel" } });
	}
	if (isTerminal(task.status) && task.completed_at) {
		due.push({ at: Date.parse(task.completed_at) + purgeAfterMs, event: "purge" });
	}
	return due;
}
