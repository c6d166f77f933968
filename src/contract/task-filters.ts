/**
 * The filters of every task list and of the statistics, as one schema each: the list routes
 * (a query string, a JSON body, the compat adapters) turn what they were sent into these
 * fields, and this decides what is valid. Plain zod, shared by routes, SDK and CLI.
 */
import { z } from "zod";
import type { TaskStatus } from "../task/task";
import { StatusWord, statusesOfWords } from "./status-words";

export const TASK_ORDERS = [
	"created_at",
	"-created_at",
	"priority",
	"-priority",
	"completed_at",
	"-completed_at",
	"duration",
	"-duration",
] as const;
export type TaskOrder = (typeof TASK_ORDERS)[number];

export const MAX_LIST_LIMIT = 100;
export const DEFAULT_LIST_LIMIT = 50;
const MAX_METADATA_FILTERS = 8;

/** What a list asks for, once its words are resolved into statuses and its paging into limit and offset. */
export interface TaskFilters {
	/** Any of these; an empty list matches nothing (a word that names no state a task has). */
	status?: TaskStatus[];
	task_type?: string[];
	/** Exact name, or a prefix when it ends with `*` (`etl.*`). */
	task_name?: string;
	namespace?: string;
	created_by?: string;
	/** Every pair must match (AND). */
	metadata?: Record<string, string>;
	/** ISO 8601; inclusive. */
	created_after?: string;
	/** ISO 8601; exclusive. */
	created_before?: string;
	/** Only tasks created in the last N hours (combined with created_after: the later bound wins). */
	hours_ago?: number;
	order_by?: TaskOrder;
	/** Default DEFAULT_LIST_LIMIT. */
	limit?: number;
	offset?: number;
	/** next_cursor of the previous page; created_at orderings only. */
	cursor?: string;
}

/** A date alone means its midnight UTC (Mindia sends start_date=2026-01-31). */
const isoTime = z.union([z.iso.datetime({ offset: true }), z.iso.date()]).meta({ example: "2026-01-31T00:00:00Z" });

/** The fields as sent, before status words and page numbers are resolved. */
export const TaskFilterFields = z.strictObject({
	status: z
		.array(StatusWord)
		.max(32)
		.optional()
		.meta({ description: "Any of these words: our statuses, Mixpeek's (IN_PROGRESS, …) and Mindia's lower-case ones" }),
	task_type: z.array(z.string().min(1).max(64)).max(32).optional(),
	task_name: z
		.string()
		.min(1)
		.max(201)
		.regex(/^[A-Za-z0-9_.:/-]+\*?$/, "a task name, or a prefix ending in *")
		.optional()
		.meta({ example: "etl.*" }),
	namespace: z.string().min(1).max(64).optional(),
	created_by: z.string().min(1).max(255).optional(),
	metadata: z
		.record(z.string().min(1).max(64), z.string().max(512))
		.refine((m) => Object.keys(m).length <= MAX_METADATA_FILTERS, `at most ${MAX_METADATA_FILTERS} keys`)
		.optional()
		.meta({ example: { company_id: "4" } }),
	created_after: isoTime.optional(),
	created_before: isoTime.optional(),
	hours_ago: z
		.number()
		.positive("hours_ago counts back from now: above 0")
		.max(24 * 366, "hours_ago reaches back at most 8784 hours (366 days)")
		.optional(),
	order_by: z.enum(TASK_ORDERS).optional().meta({ description: "Default -created_at (newest first)" }),
	limit: z
		.number()
		.int()
		.min(1)
		.max(MAX_LIST_LIMIT)
		.optional()
		.meta({ description: `Default ${DEFAULT_LIST_LIMIT}` }),
	offset: z.number().int().min(0).optional(),
	cursor: z.string().min(1).max(512).optional(),
	page: z.number().int().min(1).optional().meta({ description: "1-based page of page_size (or limit) tasks: sets offset" }),
	page_size: z.number().int().min(1).max(MAX_LIST_LIMIT).optional().meta({ description: "Another name for limit" }),
});

type Fields = z.infer<typeof TaskFilterFields>;

const conflict = (ctx: z.RefinementCtx, path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });

/** TaskFilters from the fields as sent: a field given twice over (limit and page_size) must agree. */
export const TaskFiltersSchema = TaskFilterFields.transform((fields: Fields, ctx): TaskFilters => {
	const { status, page, page_size, ...rest } = fields;
	if (page_size !== undefined && rest.limit !== undefined && page_size !== rest.limit) {
		conflict(ctx, "page_size", `page_size ${page_size} and limit ${rest.limit} disagree: give one`);
	}
	if (page !== undefined && rest.offset !== undefined) {
		conflict(ctx, "page", "give page or offset, not both");
	}
	const limit = rest.limit ?? page_size ?? DEFAULT_LIST_LIMIT;
	return {
		...rest,
		...(status ? { status: statusesOfWords(status) } : {}),
		limit,
		...(page !== undefined ? { offset: (page - 1) * limit } : {}),
	};
});

export const DEFAULT_STATS_HOURS = 24;

export interface StatsFilters {
	task_type?: string[];
	namespace?: string;
	/** Every pair must match (the Celery manager counts per company_id). */
	metadata?: Record<string, string>;
	/** Tasks created in the last N hours; default 24; null counts all retained history. */
	hours_ago?: number | null;
}

export const StatsFiltersSchema = z.strictObject({
	task_type: z.array(z.string().min(1).max(64)).max(32).optional(),
	namespace: z.string().min(1).max(64).optional(),
	hours_ago: z
		.number()
		.positive("hours_ago counts back from now: above 0")
		.max(24 * 366, "hours_ago reaches back at most 8784 hours (366 days)")
		.optional()
		.meta({ description: `Tasks created in the last N hours; default ${DEFAULT_STATS_HOURS}` }),
});
