/**
 * Finding tasks in history (D1): the list every list route calls, ours and the compat
 * adapters, and the statistics. Routes turn their parameters into TaskFilters; this resolves
 * them into what the table stores and pages through it.
 */
import { DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT, TASK_ORDERS, type TaskFilters, type TaskOrder } from "../contract/task-filters";
import { ApiError } from "../errors";
import { taskTypeOf, taskTypeOfPrefix } from "../execute/task-types";
import { tenantRegistry } from "../execute/tenant-registry";
import { historyDb } from "../history/db";
import { findTaskPage, type TaskKey, type TaskQuery } from "../history/list";
import type { Task } from "../task/task";

export { DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT, TASK_ORDERS, type TaskFilters, type TaskOrder };

/**
 * `total` reads at most this many rows: counting a million matching rows on every page would
 * cost a million D1 rows read per request. A total equal to the cap means "at least".
 */
export const TOTAL_COUNT_CAP = 10_000;

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

/**
 * `namesImplyTypes`: false for a tenant that has defined task types at some time (its tasks of
 * one name may carry different types, created before and after a change), so a name filter
 * must not narrow the query to the type the built-in registry gives the name.
 */
export function taskQueryOf(filters: Omit<TaskFilters, "limit">, now: number, namesImplyTypes = true): TaskQuery {
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
		if (namesImplyTypes && implied_type !== null && filters.task_type === undefined) {
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
	const limit = Math.min(Math.max(1, Math.trunc(filters.limit ?? DEFAULT_LIST_LIMIT)), MAX_LIST_LIMIT);
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
	if (filters.status?.length === 0 || filters.task_type?.length === 0) {
		// Words that name no state a task can have (Mixpeek's ARCHIVED), or filters with nothing in common.
		return { tasks: [], total: 0, total_capped: false, limit, offset, next_cursor: null };
	}
	const query = taskQueryOf(filters, now, !(await tenantRegistry(env.DB, tenant, now)).customised);
	// One row more than asked tells whether another page exists, without a second query.
	const page = await findTaskPage(historyDb(env.DB), tenant, query, { order, limit: limit + 1, offset, after }, TOTAL_COUNT_CAP);
	const more = page.tasks.length > limit;
	const tasks = page.tasks.slice(0, limit);
	const last = tasks.at(-1);
	const next_cursor =
		more && last && isKeysetOrder(order) ? encodeCursor({ order, created_at: Date.parse(last.created_at), task_id: last.task_id }) : null;
	return { tasks, total: page.total, total_capped: page.total >= TOTAL_COUNT_CAP, limit, offset, next_cursor };
}

export { type StatsFilters, type TaskStats, taskStats } from "./history-stats";
