/**
 * The words a `status` filter takes, on every list route (ours and the compat adapters'): one
 * table, so a word that lists tasks on one route lists them on every other. A word selects a
 * set of statuses; any of them matches.
 */
import { z } from "zod";
import { COMPLETED_STATUSES, TASK_STATUSES, type TaskStatus } from "../task/task";

const OURS: Record<string, readonly TaskStatus[]> = Object.fromEntries(TASK_STATUSES.map((status) => [status, [status]]));

export const STATUS_WORDS: Readonly<Record<string, readonly TaskStatus[]>> = {
	...OURS,
	// Mixpeek's TaskStatusEnum: IN_PROGRESS is its synonym of PROCESSING; the lifecycle words it
	// shares with other resources name no state a task of ours has, so they select nothing.
	IN_PROGRESS: ["PROCESSING"],
	UNKNOWN: [],
	SKIPPED: [],
	DRAFT: [],
	ACTIVE: [],
	ARCHIVED: [],
	SUSPENDED: [],
	// Mindia's lower-case words (completed includes partial success), and both spellings of cancelled.
	pending: ["PENDING"],
	scheduled: ["SCHEDULED"],
	queued: ["QUEUED"],
	processing: ["PROCESSING"],
	completed: COMPLETED_STATUSES,
	failed: ["FAILED"],
	cancelled: ["CANCELED"],
	canceled: ["CANCELED"],
};

const WORDS = Object.keys(STATUS_WORDS) as [string, ...string[]];

export const StatusWord = z.enum(WORDS, { message: `one of ${WORDS.join(", ")}` });

/** The statuses the words select, each once; empty when they name no state a task can have. */
export function statusesOfWords(words: readonly string[]): TaskStatus[] {
	return [...new Set(words.flatMap((word) => (Object.hasOwn(STATUS_WORDS, word) ? (STATUS_WORDS[word] ?? []) : [])))];
}
