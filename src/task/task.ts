/** The task resource as clients see it (README.md, The API), and its stored form. */
import type { ExecutionMode } from "../execute/protocol";
import type { PushTarget } from "../execute/push";
import type { WebhookEventType } from "../webhooks/events";
import type { RetryBackoff } from "./retry";

export const TASK_STATUSES = [
	"PENDING",
	"SCHEDULED",
	"QUEUED",
	"PROCESSING",
	"COMPLETED",
	"COMPLETED_WITH_ERRORS",
	"FAILED",
	"CANCELED",
] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const TERMINAL_STATUSES = ["COMPLETED", "COMPLETED_WITH_ERRORS", "FAILED", "CANCELED"] as const;
export type TerminalStatus = (typeof TERMINAL_STATUSES)[number];

export function isTerminal(status: TaskStatus): status is TerminalStatus {
	return (TERMINAL_STATUSES as readonly string[]).includes(status);
}

/** Statuses a task can still leave: waiting for its turn or its time, or running. */
export const LIVE_STATUSES: readonly TaskStatus[] = TASK_STATUSES.filter((s) => !isTerminal(s));

/** A task that ran to its end counts as completed whether or not items reported errors. */
export const COMPLETED_STATUSES = ["COMPLETED", "COMPLETED_WITH_ERRORS"] as const satisfies readonly TerminalStatus[];

export function isCompleted(status: TaskStatus): boolean {
	return (COMPLETED_STATUSES as readonly string[]).includes(status);
}

export interface TaskProgress {
	percent: number | null;
	done: number | null;
	total: number | null;
	message: string | null;
}

export interface ItemError {
	item?: string;
	code?: string;
	message: string;
}

export interface Task {
	task_id: string;
	task_name: string;
	task_type: string;
	task_type_display: string;
	namespace: string;
	status: TaskStatus;
	priority: number;
	payload: unknown;
	result: unknown;
	error_code: string | null;
	error_message: string | null;
	errors: ItemError[];
	progress: TaskProgress | null;
	attempt: number;
	retry_count: number;
	max_retries: number;
	timeout_seconds: number;
	run_at: string | null;
	created_at: string;
	queued_at: string | null;
	started_at: string | null;
	completed_at: string | null;
	duration_seconds: number | null;
	cancel_requested: boolean;
	/** Who runs the attempts (ARCHITECTURE.md § Execution). */
	execution: ExecutionMode;
	/** The lease each attempt gets (s); null: the default (60 s), or none for an external task. */
	lease_seconds: number | null;
	/** ISO 8601: the running attempt's lease; null when no attempt runs or it has no lease. */
	lease_expires_at: string | null;
	metadata: Record<string, string>;
	created_by: string | null;
	idempotency_key: string | null;
	version: number;
	/** Where an `http` task's attempts are pushed (its own target, else its type's, fixed at creation); null when not pushed. */
	target: PushTarget | null;
	/** Where this task's terminal event is POSTed, signed with the tenant's secret; null when none. */
	callback_url: string | null;
}

/**
 * What the TaskObject stores: the resource plus the deadlines only the machine reads.
 * Deadlines are epoch milliseconds so the alarm can compare them without parsing.
 */
export interface TaskRecord extends Task {
	tenant: string;
	timeout_at: number | null;
	cancel_deadline_at: number | null;
	/** While QUEUED: when the attempt's message is sent again if nothing has started it. */
	redeliver_at: number | null;
	/** The running attempt's lease length (ms), null when it has none; renewed by its reports. */
	lease_ms: number | null;
	/** `lease_expires_at` as epoch ms. */
	lease_deadline: number | null;
	/** SHA-256 (hex) of every attempt token issued, with its attempt: only these authorise reports. */
	tokens: AttemptTokenHash[];
	/** The retry backoff of its type, fixed at creation; null: the default (a record stored before types had one). */
	backoff: RetryBackoff | null;
	/**
	 * The webhook events some subscription of the tenant wanted for a task like this when it was
	 * created (services/webhooks.ts): only these transitions owe an event, so a task nobody
	 * subscribed to costs no webhook operation.
	 */
	webhook_events: WebhookEventType[];
}

/** Header values of a target often carry its credentials: clients see only their names. */
export const REDACTED = "[redacted]";

/** A target as clients may see it: header names kept, values redacted. */
export function redactTarget(target: PushTarget | null | undefined): PushTarget | null {
	if (!target) {
		return null; // also a record stored before targets existed
	}
	const headers = target.headers && Object.fromEntries(Object.keys(target.headers).map((name) => [name, REDACTED]));
	return { ...target, ...(headers && { headers }) };
}

export interface AttemptTokenHash {
	attempt: number;
	hash: string;
}

/** Fields a record stored by an older build lacks: it was builtin, leaseless and tokenless. */
export const RECORD_DEFAULTS = {
	execution: "builtin",
	lease_seconds: null,
	lease_expires_at: null,
	lease_ms: null,
	lease_deadline: null,
	tokens: [],
	target: null,
	backoff: null,
	callback_url: null,
	webhook_events: [],
} as const satisfies Partial<TaskRecord>;

export function toPublicTask(record: TaskRecord): Task {
	const {
		tenant: _tenant,
		timeout_at: _timeout,
		cancel_deadline_at: _cancel,
		redeliver_at: _redeliver,
		lease_ms: _leaseMs,
		lease_deadline: _leaseDeadline,
		tokens: _tokens,
		backoff: _backoff,
		webhook_events: _webhookEvents,
		...task
	} = record;
	return { ...task, target: redactTarget(record.target) };
}
