/**
 * Listing and counting history rows. Every query starts from the tenant and uses one of the
 * indexes in schema.ts: status, type (with task_name), namespace and metadata each have their
 * own, ending in created_at; anything else range-scans (tenant_id, created_at).
 */
import { and, asc, desc, eq, gt, gte, inArray, lt, or, type SQL, sql } from "drizzle-orm";
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
 * each is joined to its row. Otherwise SQLite, having no statistics, prefers walking
 * (tenant_id, created_at) in order over sorting what a rare key matches.
 */
export function taskPageQuery(db: HistoryDb, tenant: string, q: TaskQuery, page: TaskPageQuery) {
	const { where, by, select } = matching(db, tenant, q, { snapshot: tasks.snapshot });
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

function matching<T extends { [key: string]: SQL | typeof tasks.snapshot }>(db: HistoryDb, tenant: string, q: TaskQuery, columns: T) {
	const driver = Object.entries(q.metadata ?? {})[0];
	const where = taskConditions(db, tenant, q, driver !== undefined);
	if (driver) {
		where.push(eq(taskMetadata.tenant_id, tenant), eq(taskMetadata.key, driver[0]), eq(taskMetadata.value, driver[1]));
	}
	const by: OrderColumns = driver ? taskMetadata : tasks;
	const select = driver
		? db.select(columns).from(taskMetadata).innerJoin(tasks, eq(tasks.task_id, taskMetadata.task_id))
		: db.select(columns).from(tasks);
	return { where, by, select };
}

/** Counts matching rows, reading at most `cap` of them, so a total over a million rows stays cheap. */
export function taskCountQuery(db: HistoryDb, tenant: string, q: TaskQuery, cap: number) {
	const { where, select } = matching(db, tenant, q, { one: sql`1` });
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
