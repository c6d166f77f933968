/**
 * The contract between a task and whatever runs its attempts (ARCHITECTURE.md § Execution): the
 * execution modes, the lease a runner receives, the reports it sends and the receipt each
 * report gets back, and the TaskObject RPC a runner-side caller (the queue consumer, the pull
 * claim served by the NamespaceObject, a push delivery, the report routes) uses. Plain types
 * and constants only: no runtime dependencies, so every side can import it.
 *
 * Fencing: an attempt's token is valid for that attempt of that task only. A report with the
 * token of an earlier attempt, or of an attempt that ended (completed, failed, hard-cancelled,
 * lease expired), is refused as stale (409); a token the task never issued is unknown (404).
 */
import type { ItemError, TaskProgress } from "../task/task";
import type { PushTarget } from "./push";

export {
	DEFAULT_LEASE_SECONDS,
	EXECUTION_MODES,
	type ExecutionMode,
	MAX_BUILTIN_TIMEOUT_SECONDS,
	MAX_LEASE_SECONDS,
	MIN_LEASE_SECONDS,
} from "../contract/execution";

/** Attempt tokens start with this; API keys are `tp_<prefix>_<secret>`, so the two never mix. */
export const ATTEMPT_TOKEN_PREFIX = "tpa_";

/** What a runner receives when it holds an attempt: everything it needs to run and report. */
export interface AttemptLease {
	task_id: string;
	task_name: string;
	task_type: string;
	namespace: string;
	/** 1-based; reports are fenced by it through the token. */
	attempt: number;
	payload: unknown;
	/** `tpa_…`, ≥ 128 random bits, stored hashed: send as `Authorization: Bearer <token>` on every report. */
	token: string;
	/** ISO 8601; null when the attempt has no lease (an external task that did not ask for one). */
	lease_expires_at: string | null;
	/** An `http` task's target, with its headers, for the consumer that pushes it; null for every other mode. */
	target: PushTarget | null;
}

/** The failure a runner reports; `retryable: false` fails the task for good. */
export interface ReportedFailure {
	code: string;
	message: string;
	retryable: boolean;
}

/**
 * What a runner tells the task about its attempt. Every report renews the lease (a stored
 * renewal happens only when less than half of it remains, so frequent reports cost no writes).
 * - `start`: the runner begins (an external task: PENDING → PROCESSING; otherwise a renewal).
 * - `heartbeat`: still alive, nothing else to say.
 * - `progress`, `log`: shown on the task and its events.
 * - `complete` (COMPLETED, or COMPLETED_WITH_ERRORS when `errors` is not empty), `fail`: the end.
 */
export type Report =
	| { kind: "start" }
	| { kind: "heartbeat" }
	| { kind: "progress"; progress: Partial<TaskProgress> }
	| { kind: "log"; message: string; data: Record<string, unknown> | null }
	| { kind: "complete"; result: unknown; errors: ItemError[] }
	| { kind: "fail"; error: ReportedFailure };

export type ReportKind = Report["kind"];
export const REPORT_KINDS: readonly ReportKind[] = ["start", "heartbeat", "progress", "log", "complete", "fail"];

/** Every accepted report's answer. */
export interface ReportReceipt {
	/** The task was asked to stop: the runner should stop soon and report `fail` (or `complete`). */
	cancel_requested: boolean;
	/** ISO 8601, the renewed lease; null when the attempt has no lease or has ended. */
	lease_expires_at: string | null;
}

/**
 * Why a runner-side call was refused. `NOT_FOUND`: no such task, or a token it never issued
 * (404). `STALE_ATTEMPT`: the token's attempt is not the running one, or the attempt cannot be
 * started or claimed now (409). `CONFLICT`: the task has ended (completed, failed, cancelled) (409).
 */
export interface RunnerRefusal {
	ok: false;
	code: "NOT_FOUND" | "STALE_ATTEMPT" | "CONFLICT";
	reason: string;
}

export type ReportAnswer = ({ ok: true } & ReportReceipt) | RunnerRefusal;
export type LeaseAnswer = { ok: true; lease: AttemptLease } | RunnerRefusal;

/** Who takes an attempt, and for how long. */
export interface LeaseRequest {
	/** The lease (ms); the task's own `lease_seconds`, else DEFAULT_LEASE_SECONDS, when omitted. Clamped to the bounds above. */
	lease_ms?: number;
	/** Shown in the task's events: a worker id, "builtin", a push target's host. */
	runner: string;
}

/** The TaskObject RPC a runner-side caller uses. Each call is idempotent or fenced. */
export interface AttemptRunner {
	/**
	 * A pull claim: the PENDING attempt `attempt` goes straight to PROCESSING with a fresh token
	 * and lease. Refused (STALE_ATTEMPT) when that attempt is not PENDING or the task is not `pull`.
	 */
	claimAttempt(attempt: number, request: LeaseRequest): Promise<LeaseAnswer>;
	/**
	 * The queue consumer's start of a QUEUED attempt: QUEUED → PROCESSING with a fresh token and
	 * lease. Only the call that moves it gets the lease; a redelivered message is refused
	 * (STALE_ATTEMPT), so a late original runs nothing. A builtin attempt is then run by the
	 * object itself from its alarm: the caller acknowledges its message and is done.
	 */
	startAttempt(attempt: number, request: LeaseRequest): Promise<LeaseAnswer>;
	/** A runner's report, authorised by the attempt's token alone. */
	report(token: string, report: Report): Promise<ReportAnswer>;
}
