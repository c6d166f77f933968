import { and, eq, type SQL, sql } from "drizzle-orm";
import { SQLiteAsyncDialect } from "drizzle-orm/sqlite-core";
import type { Task } from "../task/task";
import { counterSnapshotWrites } from "./counters";
import type { HistoryDb } from "./db";
import { rollupSnapshotWrites } from "./rollup";
import { tasks } from "./schema";

export interface TaskSnapshotWrite {
	tenant: string;
	task: Task;
}

/**
 * D1 bounds a string parameter to 2 MB: snapshots (payload and result included) are sent in
 * chunks of at most this many JSON bytes, each chunk a handful of statements in the same batch.
 */
const CHUNK_BYTES = 1_000_000;

const ms = (value: string | null): number | null => (value === null ? null : Date.parse(value));

/** The columns of `tasks` as one incoming snapshot carries them. */
function rowOf({ tenant, task }: TaskSnapshotWrite) {
	return {
		task_id: task.task_id,
		tenant_id: tenant,
		task_name: task.task_name,
		task_type: task.task_type,
		namespace: task.namespace,
		status: task.status,
		priority: task.priority,
		attempt: task.attempt,
		retry_count: task.retry_count,
		error_code: task.error_code,
		created_by: task.created_by,
		created_at: Date.parse(task.created_at),
		completed_at: ms(task.completed_at),
		duration_seconds: task.duration_seconds,
		metadata: JSON.stringify(task.metadata),
		snapshot: JSON.stringify(task),
		version: task.version,
	};
}
type Row = ReturnType<typeof rowOf>;
const COLUMNS = Object.keys(rowOf({ tenant: "", task: { created_at: "", metadata: {} } as unknown as Task })) as (keyof Row)[];
/** What creation fixes: an update leaves them out, see saveTaskSnapshots. */
const CREATION_COLUMNS = new Set<keyof Row>([
	"task_id",
	"tenant_id",
	"created_at",
	"task_name",
	"task_type",
	"namespace",
	"created_by",
	"metadata",
]);

const ident = (name: string) => sql.raw(`"${name}"`);
const list = (names: readonly string[], prefix = "") => sql.raw(names.map((n) => `${prefix}"${n}"`).join(", "));

/**
 * The snapshots of a chunk as a table, from ONE bound parameter (D1 allows 100 per query; a
 * row has 17 columns): `json_each` turns the JSON array back into rows.
 */
function incoming(rows: readonly Row[]): SQL {
	const columns = sql.join(
		COLUMNS.map((c) => sql`json_extract(value, ${`$.${c}`}) AS ${ident(c)}`),
		sql`, `,
	);
	return sql`(SELECT ${columns} FROM json_each(${JSON.stringify(rows)}))`;
}

/**
 * Writes many tasks' snapshots in ONE D1 round trip (the dispatcher's group commit; a single
 * task's flush is the case of one). Only a later snapshot replaces a stored one (`replaces`), so
 * a late or repeated flush (alarms are at-least-once) never moves history backwards. Several
 * snapshots of one task keep the latest. Returns the rows D1 reports written (index rows
 * included), for the cost accounting. Throws what D1 throws; nothing of a failed batch stays.
 */
export async function saveTaskSnapshots(db: HistoryDb, writes: readonly TaskSnapshotWrite[]): Promise<number> {
	const latest = new Map<string, { row: Row; write: TaskSnapshotWrite }>();
	for (const write of writes) {
		const row = rowOf(write);
		const known = latest.get(row.task_id)?.row;
		if (!known || row.created_at > known.created_at || (row.created_at === known.created_at && row.version > known.version)) {
			latest.set(row.task_id, { row, write });
		}
	}
	const kept = [...latest.values()];
	// Chunks hold distinct tasks, so a chunk's statements that read rows as they were (rollup,
	// counters) see no other chunk's writes.
	const statements = chunks(kept.map(({ row }) => row)).flatMap((chunk) => chunkWrites(db, chunk));
	if (statements.length === 0) {
		return 0;
	}
	// Raw statements: drizzle's batch takes only its own query builders, and these are SQL.
	const d1 = db.$client;
	const results = await d1.batch(statements.map((query) => d1.prepare(query.sql).bind(...query.params)));
	return results.reduce((sum, result) => sum + (result.meta.rows_written ?? 0), 0);
}

/** One task's snapshot: see saveTaskSnapshots. */
export function saveTaskSnapshot(db: HistoryDb, tenant: string, task: Task): Promise<number> {
	return saveTaskSnapshots(db, [{ tenant, task }]);
}

function chunks(rows: readonly Row[]): Row[][] {
	const out: Row[][] = [];
	let current: Row[] = [];
	let bytes = 0;
	for (const row of rows) {
		const size = row.snapshot.length + row.metadata.length + 512;
		if (current.length > 0 && bytes + size > CHUNK_BYTES) {
			out.push(current);
			current = [];
			bytes = 0;
		}
		current.push(row);
		bytes += size;
	}
	if (current.length > 0) {
		out.push(current);
	}
	return out;
}

const dialect = new SQLiteAsyncDialect();
const toQuery = (statement: SQL) => dialect.sqlToQuery(statement);

function chunkWrites(db: HistoryDb, rows: readonly Row[]) {
	const all = incoming(rows);
	const changing = COLUMNS.filter((c) => !CREATION_COLUMNS.has(c));
	// Statements that read the row as it was (the rollup, metadata) go before those that write it.
	const rollup = rollupSnapshotWrites(db, all);
	const counters = counterSnapshotWrites(db, all);
	// A re-created task's old metadata rows go; found by their key, not by scanning the table.
	const staleKeys = toQuery(sql`DELETE FROM task_metadata WHERE (tenant_id, key, value, created_at, task_id) IN (
		SELECT o.tenant_id, j.key, j.value, o.created_at, o.task_id
		FROM ${all} AS i JOIN ${tasks} AS o ON o.task_id = i.task_id, json_each(o.metadata) AS j
		WHERE i.created_at > o.created_at)`);
	// Only while the task has no row of this creation yet: D1 counts a conflicting insert as rows
	// written, so later flushes must not try. Metadata never changes after creation.
	const keys = toQuery(sql`INSERT INTO task_metadata (tenant_id, key, value, created_at, task_id)
		SELECT i.tenant_id, j.key, j.value, i.created_at, i.task_id FROM ${all} AS i, json_each(i.metadata) AS j
		WHERE NOT EXISTS (SELECT 1 FROM ${tasks} AS o WHERE o.task_id = i.task_id AND o.created_at >= i.created_at)
		ON CONFLICT DO NOTHING`);
	// A re-creation rewrites the creation columns too (rare: it moves every index entry).
	const recreated = toQuery(sql`UPDATE ${tasks} SET (${list(COLUMNS.filter((c) => c !== "task_id"))}) =
		(${list(
			COLUMNS.filter((c) => c !== "task_id"),
			"i.",
		)})
		FROM ${all} AS i WHERE ${tasks}.task_id = i.task_id AND i.created_at > ${tasks}.created_at`);
	// An update names only the columns that can change: SQLite rewrites an index entry when its
	// columns are in the SET list, so leaving out what creation fixed (name, type, namespace,
	// creator, metadata) keeps their index rows, and their D1 cost, to the insert alone. The
	// WHERE true keeps SQLite from reading ON CONFLICT as a join constraint.
	const upsert = toQuery(sql`INSERT INTO ${tasks} (${list(COLUMNS)}) SELECT ${list(COLUMNS)} FROM ${all} WHERE true
		ON CONFLICT (task_id) DO UPDATE SET ${sql.raw(changing.map((c) => `"${c}" = excluded."${c}"`).join(", "))}
		WHERE excluded.created_at = ${tasks}.created_at AND excluded.version > ${tasks}.version`);
	return [...rollup.map((statement) => statement.toSQL()), counters.toSQL(), staleKeys, keys, recreated, upsert];
}

export async function findTaskSnapshot(db: HistoryDb, tenant: string, taskId: string): Promise<Task | null> {
	const row = await db
		.select({ snapshot: tasks.snapshot })
		.from(tasks)
		.where(and(eq(tasks.tenant_id, tenant), eq(tasks.task_id, taskId)))
		.get();
	return row ? (JSON.parse(row.snapshot) as Task) : null;
}
