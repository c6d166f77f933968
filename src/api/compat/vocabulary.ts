/**
 * The status words of the systems taskplane replaces, in both directions: how each names our
 * states (README.md, The systems taskplane replaces), and which of our states each of its
 * filter words selects. The one place these vocabularies live (the `status` filter words every
 * list route shares are the core's, in contract/status-words.ts); adapters only look words up.
 */
import { STATUS_WORDS } from "../../contract/status-words";
import { ApiError } from "../../errors";
import { COMPLETED_STATUSES, type Task, type TaskStatus } from "../../task/task";

/** Celery's states (celery.states), as Celery clients and the Celery manager read them. */
export type CeleryState = "PENDING" | "STARTED" | "SUCCESS" | "FAILURE" | "REVOKED" | "RETRY";

const CELERY_OF: Record<TaskStatus, CeleryState> = {
	PENDING: "PENDING",
	SCHEDULED: "PENDING",
	QUEUED: "PENDING",
	PROCESSING: "STARTED",
	COMPLETED: "SUCCESS",
	COMPLETED_WITH_ERRORS: "SUCCESS",
	FAILED: "FAILURE",
	CANCELED: "REVOKED",
};

/** A task's Celery state: SCHEDULED after a failed attempt is RETRY, a first wait is PENDING. */
export function celeryStateOf(task: Pick<Task, "status" | "retry_count">): CeleryState {
	return task.status === "SCHEDULED" && task.retry_count > 0 ? "RETRY" : CELERY_OF[task.status];
}

/**
 * For counts by status, where a task's retry_count is not at hand: SCHEDULED counts as
 * PENDING (waiting for its time), never RETRY.
 */
export function celeryStateOfStatus(status: TaskStatus): CeleryState {
	return CELERY_OF[status];
}

/** Celery's `state` filter words. RETRY selects every SCHEDULED task: a status filter cannot see retry_count. */
const CELERY_FILTERS: Record<string, readonly TaskStatus[]> = {
	PENDING: ["PENDING", "SCHEDULED", "QUEUED"],
	SENT: ["QUEUED"],
	RECEIVED: ["QUEUED"],
	STARTED: ["PROCESSING"],
	PROGRESS: ["PROCESSING"],
	RETRY: ["SCHEDULED"],
	SUCCESS: COMPLETED_STATUSES,
	FAILURE: ["FAILED"],
	REVOKED: ["CANCELED"],
};

/** Mindia's lower-case statuses (with `queued`, which only we have) and the British `cancelled`. */
export type LowerStatus = "pending" | "scheduled" | "queued" | "processing" | "completed" | "failed" | "cancelled";

const LOWER_OF: Record<TaskStatus, LowerStatus> = {
	PENDING: "pending",
	SCHEDULED: "scheduled",
	QUEUED: "queued",
	PROCESSING: "processing",
	COMPLETED: "completed",
	COMPLETED_WITH_ERRORS: "completed",
	FAILED: "failed",
	CANCELED: "cancelled",
};

export const LOWER_STATUSES: readonly LowerStatus[] = ["pending", "scheduled", "queued", "processing", "completed", "failed", "cancelled"];

export function lowerStatusOf(status: TaskStatus): LowerStatus {
	return LOWER_OF[status];
}

/**
 * Filter words: Celery's `state` words are its own (its PENDING covers SCHEDULED and QUEUED
 * too); a `status` filter takes the words every list route takes (contract/status-words.ts:
 * ours, Mixpeek's and Mindia's lower-case ones).
 */
export const STATUS_VOCABULARIES = { celery: CELERY_FILTERS, status: STATUS_WORDS } as const;
export type StatusVocabulary = keyof typeof STATUS_VOCABULARIES;

/** The statuses one word of a vocabulary selects, or undefined if the word is not in it. */
export function statusesOfWord(vocabulary: StatusVocabulary, word: string): readonly TaskStatus[] | undefined {
	const table = STATUS_VOCABULARIES[vocabulary];
	return Object.hasOwn(table, word) ? table[word] : undefined;
}

/**
 * Our statuses selected by a system's filter words (any of them matches). An unknown word is
 * a 422 naming the words that system knows; an empty result means the filter selects nothing.
 */
export function statusesFor(vocabulary: StatusVocabulary, words: readonly string[], path: string): TaskStatus[] {
	const selected = new Set<TaskStatus>();
	for (const word of words) {
		const statuses = statusesOfWord(vocabulary, word);
		if (!statuses) {
			const known = Object.keys(STATUS_VOCABULARIES[vocabulary]).join(", ");
			throw new ApiError("VALIDATION_FAILED", `unknown status word ${JSON.stringify(word)}`, {
				errors: [{ path, message: `expected one of ${known}` }],
			});
		}
		for (const status of statuses) {
			selected.add(status);
		}
	}
	return [...selected];
}

/** The FastAPI + Celery demo's `GET /tasks/` groups live tasks as Celery's inspect() does. */
export type InspectGroup = "ACTIVE" | "SCHEDULED" | "RESERVED";

const INSPECT_OF: Partial<Record<TaskStatus, InspectGroup>> = {
	PROCESSING: "ACTIVE",
	SCHEDULED: "SCHEDULED",
	PENDING: "RESERVED",
	QUEUED: "RESERVED",
};

export function inspectGroupOf(status: TaskStatus): InspectGroup | null {
	return INSPECT_OF[status] ?? null;
}
