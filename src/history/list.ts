/**
 * Listing and counting history rows. Every query starts from the tenant and uses one of the
 * indexes in schema.ts: status, type (with task_name), namespace and metadata each have their
 * own, ending in created_at; anything else range-scans (tenant_id, created_at).
 */
import { and, asc, desc, eq, gt, gte, inArray, lt, or, type SQL, sql } from "drizzle-orm";
import { unionAll } from "drizzle-orm/sqlite-core";
import type { TaskOrder } from "../contract/task-filters";
import type { Task } from "../task/task";
import type { HistoryDb } from "./db";
import { taskMetadata, tasks } from "./schema";

const DEFAULT_NAMESPACE = "default";

/** Filters already resolved to what the table stores (times as epoch milliseconds). */
export interface TaskQuery {
	status?: readonly string[];
	task_type?: readonly string[];
	task_name?: { exact: string } | { prefix: string };
	namespace?: string;
	created_by?: string;
	metadata?: Readonly<Record<string, string>>;
	/** Inclusive lower bound on created_at. */
	created_from?: number;
	/** Exclusive upper bound on created_at. */
	created_to?: number;
}

export type { TaskOrder };

/** Where a keyset page starts: the last row of the previous page. */
export interface TaskKey {
	created_at: number;
	task_id: string;
}

export interface TaskPageQuery {
	order: TaskOrder;
	limit: number;
	offset: number;
	after?: TaskKey;
}

export function taskConditions(db: HistoryDb, tenant: string, q: TaskQuery, driven: boolean): SQL[] {
	const where: SQL[] = [eq(tasks.tenant_id, tenant)];
	if (q.status?.length) {
		where.push(inArray(tasks.status, [...q.status]));
	}
	if (q.task_type?.length) {
		where.push(inArray(tasks.task_type, [...q.task_type]));
	}
	if (q.task_name && "exact" in q.task_name) {
		where.push(eq(tasks.task_name, q.task_name.exact));
	} else if (q.task_name) {
		// substr, not LIKE: LIKE folds ASCII case and treats `_`, common in task names, as a wildcard.
		where.push(sql`substr(${tasks.task_name}, 1, ${q.task_name.prefix.length}) = ${q.task_name.prefix}`);
	}
	if (q.namespace !== undefined) {
		where.push(eq(tasks.namespace, q.namespace));
		if (q.namespace !== DEFAULT_NAMESPACE) {
			// Spelled as in the partial index's WHERE (a literal, not a parameter), so SQLite can
			// prove the index holds every row this query wants.
			where.push(sql`${tasks.namespace} <> 'default'`);
		}
	}
	if (q.created_by !== undefined) {
		where.push(eq(tasks.created_by, q.created_by));
	}
	if (q.created_from !== undefined) {
		where.push(gte(tasks.created_at, q.created_from));
	}
	if (q.created_to !== undefined) {
		where.push(lt(tasks.created_at, q.created_to));
	}
	for (const [key, value] of Object.entries(q.metadata ?? {}).slice(driven ? 1 : 0)) {
		const tagged = db
			.select({ task_id: taskMetadata.task_id })
			.from(taskMetadata)
			.where(and(eq(taskMetadata.tenant_id, tenant), eq(taskMetadata.key, key), eq(taskMetadata.value, value)));
		where.push(inArray(tasks.task_id, tagged));
	}
	return where;
}

/** The columns created_at order and paging use: task_metadata's when it drives the query. */
type OrderColumns = {
	created_at: typeof tasks.created_at | typeof taskMetadata.created_at;
	task_id: typeof tasks.task_id | typeof taskMetadata.task_id;
};

function afterKey(order: TaskOrder, key: TaskKey, by: OrderColumns): SQL | undefined {
	const beyond = order === "created_at" ? gt : lt;
	return or(beyond(by.created_at, key.created_at), and(eq(by.created_at, key.created_at), beyond(by.task_id, key.task_id)));
}

/** Ties break on created_at then task_id so offset and keyset pages never skip or repeat a row. */
function orderBy(order: TaskOrder, by: OrderColumns): SQL[] {
	const newest = [desc(by.created_at), desc(by.task_id)];
	switch (order) {
		case "created_at":
			return [asc(by.created_at), asc(by.task_id)];
		case "-created_at":
			return newest;
		case "priority":
			return [asc(tasks.priority), ...newest];
		case "-priority":
			return [desc(tasks.priority), ...newest];
		// Live tasks have neither: they come last either way.
		case "completed_at":
			return [sql`${tasks.completed_at} ASC NULLS LAST`, ...newest];
		case "-completed_at":
			return [sql`${tasks.completed_at} DESC NULLS LAST`, ...newest];
		case "duration":
			return [sql`${tasks.duration_seconds} ASC NULLS LAST`, ...newest];
		case "-duration":
			return [sql`${tasks.duration_seconds} DESC NULLS LAST`, ...newest];
		default: {
			const unknown: never = order;
			throw new Error(`unknown order ${unknown}`);
		}
	}
}

/**
 * The page's query, exposed so tests can EXPLAIN exactly what runs. With a metadata filter its
 * first pair drives the query: task_metadata's key lists that pair's tasks newest first, and
 * each is joined to its row. Several statuses (or types) are merged per value, below.
 */
export function taskPageQuery(db: HistoryDb, tenant: string, q: TaskQuery, page: TaskPageQuery) {
	const split = splitColumn(q, page.order);
	if (split) {
		return mergedPageQuery(db, tenant, q, page, split);
	}
	return singlePageQuery(db, tenant, q, page);
}

function singlePageQuery(db: HistoryDb, tenant: string, q: TaskQuery, page: TaskPageQuery) {
	const { where, by, joined } = matching(db, tenant, q);
	const select = joined
		? db.select(PAGE_COLUMNS).from(taskMetadata).innerJoin(tasks, eq(tasks.task_id, taskMetadata.task_id))
		: db.select(PAGE_COLUMNS).from(tasks);
	if (page.after) {
		const key = afterKey(page.order, page.after, by);
		if (key) {
			where.push(key);
		}
	}
	return select
		.where(and(...where))
		.orderBy(...orderBy(page.order, by))
		.limit(page.limit)
		.offset(page.offset);
}

/**
 * `status IN (a, b)` ordered by created_at: SQLite, without statistics, walks the whole
 * (tenant_id, created_at) index filtering rows, which for live statuses (a handful among a
 * million) reads them all. Instead each value gets its own leg, ordered by its index and
 * limited to the page's end, and SQLite merges the legs (MERGE (UNION ALL)): a page reads at
 * most (offset + limit) rows per value.
 */
function splitColumn(q: TaskQuery, order: TaskOrder): "status" | "task_type" | null {
	if (Object.keys(q.metadata ?? {}).length > 0 || (order !== "created_at" && order !== "-created_at")) {
		return null;
	}
	if (distinct(q.status).length > 1) {
		return "status";
	}
	return distinct(q.task_type).length > 1 ? "task_type" : null;
}

function mergedPageQuery(db: HistoryDb, tenant: string, q: TaskQuery, page: TaskPageQuery, split: "status" | "task_type") {
	const legs = distinct(q[split]).map((value, i) => {
		const leg = singlePageQuery(db, tenant, { ...q, [split]: [value] }, { ...page, limit: page.offset + page.limit, offset: 0 });
		return db.select().from(leg.as(`leg${i}`));
	});
	const [first, second, ...rest] = legs;
	if (!first || !second) {
		throw new Error("a merged page needs two legs or more");
	}
	const direction = page.order === "created_at" ? sql`asc` : sql`desc`;
	return unionAll(first, second, ...rest)
		.orderBy(sql`created_at ${direction}`, sql`task_id ${direction}`)
		.limit(page.limit)
		.offset(page.offset);
}

/** A repeated value would be a second leg returning the same rows twice. */
const distinct = (values: readonly string[] | undefined): string[] => [...new Set(values ?? [])];

const PAGE_COLUMNS = { snapshot: tasks.snapshot, created_at: tasks.created_at, task_id: tasks.task_id };

/** The conditions, the columns created_at order uses, and the metadata pair driving the join, if any. */
function matching(db: HistoryDb, tenant: string, q: TaskQuery) {
	const driver = Object.entries(q.metadata ?? {})[0];
	const where = taskConditions(db, tenant, q, driver !== undefined);
	if (driver) {
		where.push(eq(taskMetadata.tenant_id, tenant), eq(taskMetadata.key, driver[0]), eq(taskMetadata.value, driver[1]));
	}
	const by: OrderColumns = driver ? taskMetadata : tasks;
	return { where, by, joined: driver !== undefined };
}

/** Counts matching rows, reading at most `cap` of them, so a total over a million rows stays cheap. */
export function taskCountQuery(db: HistoryDb, tenant: string, q: TaskQuery, cap: number) {
	const { where, joined } = matching(db, tenant, q);
	const one = { one: sql`1` };
	const select = joined
		? db.select(one).from(taskMetadata).innerJoin(tasks, eq(tasks.task_id, taskMetadata.task_id))
		: db.select(one).from(tasks);
	const rows = select
		.where(and(...where))
		.limit(cap)
		.as("matching");
	return db.select({ total: sql<number>`count(*)` }).from(rows);
}

export interface TaskPageRows {
	tasks: Task[];
	total: number;
}

/** The page and its capped total in one round trip. */
export async function findTaskPage(
	db: HistoryDb,
	tenant: string,
	q: TaskQuery,
	page: TaskPageQuery,
	countCap: number,
): Promise<TaskPageRows> {
	const [rows, counted] = await db.batch([taskPageQuery(db, tenant, q, page), taskCountQuery(db, tenant, q, countCap)]);
	return { tasks: rows.map((row) => JSON.parse(row.snapshot) as Task), total: Number(counted[0]?.total ?? 0) };
}
