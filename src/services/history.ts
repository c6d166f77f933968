/**
 * Finding tasks in history (D1): the list every list route calls, ours and the compat
 * adapters, and the statistics. Routes turn their parameters into TaskFilters; this resolves
 * them into what the table stores and pages through it.
 */
import { z } from "@hono/zod-openapi";
import { ApiError } from "../errors";
import { taskTypeOf, taskTypeOfPrefix } from "../execute/task-types";
import { historyDb } from "../history/db";
import { findTaskPage, TASK_ORDERS, type TaskKey, type TaskOrder, type TaskQuery } from "../history/list";
import { TASK_STATUSES, type Task, type TaskStatus } from "../task/task";

export { TASK_ORDERS, type TaskOrder };

export const MAX_LIST_LIMIT = 100;
export const DEFAULT_LIST_LIMIT = 50;
/**
 * `total` reads at most this many rows: counting a million matching rows on every page would
 * cost a million D1 rows read per request. A total equal to the cap means "at least".
 */
export const TOTAL_COUNT_CAP = 10_000;

export interface TaskFilters {
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
	limit: number;
	offset?: number;
	/** next_cursor of the previous page; created_at orderings only. */
	cursor?: string;
}

const MAX_METADATA_FILTERS = 8;
/** A date alone means its midnight UTC (Mindia sends start_date=2026-01-31). */
const isoTime = z.union([z.iso.datetime({ offset: true }), z.iso.date()]).openapi({ example: "2026-01-31T00:00:00Z" });

/** TaskFilters as a JSON body (POST /v1/tasks/list), reused by the compat routes. */
export const TaskFiltersSchema = z
	.strictObject({
		status: z.array(z.enum(TASK_STATUSES)).max(TASK_STATUSES.length).optional(),
		task_type: z.array(z.string().min(1).max(64)).max(32).optional(),
		task_name: z
			.string()
			.min(1)
			.max(201)
			.regex(/^[A-Za-z0-9_.:/-]+\*?$/, "a task name, or a prefix ending in *")
			.optional()
			.openapi({ example: "etl.*" }),
		namespace: z.string().min(1).max(64).optional(),
		created_by: z.string().min(1).max(255).optional(),
		metadata: z
			.record(z.string().min(1).max(64), z.string().max(512))
			.refine((m) => Object.keys(m).length <= MAX_METADATA_FILTERS, `at most ${MAX_METADATA_FILTERS} keys`)
			.optional()
			.openapi({ example: { company_id: "4" } }),
		created_after: isoTime.optional(),
		created_before: isoTime.optional(),
		hours_ago: z
			.number()
			.positive()
			.max(24 * 366)
			.optional(),
		order_by: z.enum(TASK_ORDERS).optional().openapi({ description: "Default -created_at (newest first)" }),
		limit: z.number().int().min(1).max(MAX_LIST_LIMIT).default(DEFAULT_LIST_LIMIT),
		offset: z.number().int().min(0).optional(),
		cursor: z.string().min(1).max(512).optional(),
	})
	.openapi("TaskFilters");

export interface TaskList {
	tasks: Task[];
	/** Matching tasks, counted up to TOTAL_COUNT_CAP (see total_capped). */
	total: number;
	total_capped: boolean;
	limit: number;
	offset: number;
	/** Pass as `cursor` for the next page; null on the last page and for non-created_at orderings. */
	next_cursor: string | null;
}

interface Cursor extends TaskKey {
	order: TaskOrder;
}

function encodeCursor(cursor: Cursor): string {
	return btoa(JSON.stringify([cursor.order, cursor.created_at, cursor.task_id]))
		.replaceAll("+", "-")
		.replaceAll("/", "_")
		.replaceAll("=", "");
}

function decodeCursor(value: string, order: TaskOrder): TaskKey {
	const invalid = (message: string) => new ApiError("VALIDATION_FAILED", message, { errors: [{ path: "cursor", message }] });
	let parsed: unknown;
	try {
		parsed = JSON.parse(atob(value.replaceAll("-", "+").replaceAll("_", "/")));
	} catch {
		throw invalid("not a cursor this API returned");
	}
	if (!Array.isArray(parsed) || typeof parsed[1] !== "number" || typeof parsed[2] !== "string") {
		throw invalid("not a cursor this API returned");
	}
	if (parsed[0] !== order) {
		throw invalid(`this cursor pages order_by=${String(parsed[0])}; keep the order_by it came with`);
	}
	return { created_at: parsed[1], task_id: parsed[2] };
}

const isKeysetOrder = (order: TaskOrder) => order === "created_at" || order === "-created_at";

/** A task_name filter, and the type it implies, so the query can search the type index. */
function nameFilter(taskName: string): Pick<TaskQuery, "task_name"> & { implied_type: string | null } {
	if (taskName.endsWith("*")) {
		const prefix = taskName.slice(0, -1);
		return { task_name: { prefix }, implied_type: taskTypeOfPrefix(prefix)?.type ?? null };
	}
	return { task_name: { exact: taskName }, implied_type: taskTypeOf(taskName).type };
}

export function taskQueryOf(filters: Omit<TaskFilters, "limit">, now: number): TaskQuery {
	const query: TaskQuery = {
		status: filters.status,
		task_type: filters.task_type,
		namespace: filters.namespace,
		created_by: filters.created_by,
		metadata: filters.metadata,
	};
	if (filters.task_name !== undefined && filters.task_name !== "*") {
		const { implied_type, task_name } = nameFilter(filters.task_name);
		query.task_name = task_name;
		// The type a name implies lets the query search the type index; an explicit task_type
		// list stays as given (a name of another type then matches nothing, as an AND should).
		if (implied_type !== null && filters.task_type === undefined) {
			query.task_type = [implied_type];
		}
	}
	const lower = [filters.created_after && Date.parse(filters.created_after), filters.hours_ago && now - filters.hours_ago * 3_600_000];
	const bounds = lower.filter((b): b is number => typeof b === "number");
	if (bounds.length > 0) {
		query.created_from = Math.max(...bounds);
	}
	if (filters.created_before) {
		query.created_to = Date.parse(filters.created_before);
	}
	return query;
}

export async function listTasks(env: Env, tenant: string, filters: TaskFilters, now = Date.now()): Promise<TaskList> {
	const order = filters.order_by ?? "-created_at";
	const offset = filters.offset ?? 0;
	const limit = Math.min(Math.max(1, Math.trunc(filters.limit)), MAX_LIST_LIMIT);
	let after: TaskKey | undefined;
	if (filters.cursor !== undefined) {
		if (!isKeysetOrder(order)) {
			const message = "cursor paging follows created_at; with other orderings page with offset";
			throw new ApiError("VALIDATION_FAILED", message, { errors: [{ path: "cursor", message }] });
		}
		if (offset !== 0) {
			const message = "give a cursor or an offset, not both";
			throw new ApiError("VALIDATION_FAILED", message, { errors: [{ path: "offset", message }] });
		}
		after = decodeCursor(filters.cursor, order);
	}
	const query = taskQueryOf(filters, now);
	// One row more than asked tells whether another page exists, without a second query.
	const page = await findTaskPage(historyDb(env.DB), tenant, query, { order, limit: limit + 1, offset, after }, TOTAL_COUNT_CAP);
	const more = page.tasks.length > limit;
	const tasks = page.tasks.slice(0, limit);
	const last = tasks.at(-1);
	const next_cursor =
		more && last && isKeysetOrder(order) ? encodeCursor({ order, created_at: Date.parse(last.created_at), task_id: last.task_id }) : null;
	return { tasks, total: page.total, total_capped: page.total >= TOTAL_COUNT_CAP, limit, offset, next_cursor };
}

export { type StatsFilters, StatsFiltersSchema, type TaskStats, taskStats } from "./history-stats";
