/**
 * The NamespaceObject's own SQLite: the ready set (ordered by priority, then creation), the
 * running set (one row per slot held) and one row of configuration. Tables are WITHOUT ROWID
 * so a row costs no second B-tree entry: a task granted at once costs one row written when its
 * slot is taken and one when it is freed.
 */
import { count } from "../usage";
import { DEFAULT_LIMITS, type NamespaceLimits } from "./limits";

export interface ReadyTask {
	task_id: string;
	attempt: number;
	priority: number;
	/** Epoch ms of the task's creation: the tie-break among equal priorities. */
	created_at: number;
	task_type: string;
	/** Epoch ms the offer arrived. */
	offered_at: number;
}

/** A pull task waiting for a worker's claim (ARCHITECTURE.md § Execution): never granted as a queue turn. */
export interface ClaimableTask extends ReadyTask {
	task_name: string;
}

/** Which claimable tasks a claim takes: by name or by type (either matches); neither given, any. */
export interface ClaimFilter {
	task_names?: readonly string[];
	task_types?: readonly string[];
}

export interface Slot {
	task_id: string;
	attempt: number;
	task_type: string;
	granted_at: number;
	/** Epoch ms the task last confirmed it still holds the turn (reconciliation); 0 never. */
	checked_at: number;
}

export interface NamespaceConfig extends NamespaceLimits {
	tenant: string;
	namespace: string;
	/** Epoch ms the namespace was paused, null when running. */
	paused_since: number | null;
	/** Whether D1's list of namespaces knows this one. */
	listed: boolean;
}

const SCHEMA = [
	`CREATE TABLE IF NOT EXISTS ready (
		task_id TEXT PRIMARY KEY, attempt INTEGER NOT NULL, priority INTEGER NOT NULL, created_at INTEGER NOT NULL,
		task_type TEXT NOT NULL, offered_at INTEGER NOT NULL) WITHOUT ROWID`,
	"CREATE INDEX IF NOT EXISTS ready_order ON ready (priority DESC, created_at, task_id)",
	`CREATE TABLE IF NOT EXISTS running (
		task_id TEXT PRIMARY KEY, attempt INTEGER NOT NULL, task_type TEXT NOT NULL, granted_at INTEGER NOT NULL,
		checked_at INTEGER NOT NULL) WITHOUT ROWID`,
	`CREATE TABLE IF NOT EXISTS claimable (
		task_id TEXT PRIMARY KEY, attempt INTEGER NOT NULL, priority INTEGER NOT NULL, created_at INTEGER NOT NULL,
		task_type TEXT NOT NULL, task_name TEXT NOT NULL, offered_at INTEGER NOT NULL) WITHOUT ROWID`,
	"CREATE INDEX IF NOT EXISTS claimable_order ON claimable (priority DESC, created_at, task_id)",
	"CREATE TABLE IF NOT EXISTS config (id INTEGER PRIMARY KEY CHECK (id = 1), json TEXT NOT NULL)",
];

const ORDER = "ORDER BY priority DESC, created_at, task_id";

export class NamespaceStorage {
	/** Counted once from storage, then kept in step: every offer, grant and release reads them. */
	private runningCount: number;
	private readySize: number;
	private claimableSize: number;
	/** Ready tasks per type: a new offer goes straight to a slot only when none of its type waits. */
	private readonly readyByType = new Map<string, number>();

	constructor(private readonly storage: DurableObjectStorage) {
		for (const statement of SCHEMA) {
			this.storage.sql.exec(statement);
		}
		this.runningCount = this.one<{ n: number }>("SELECT count(*) AS n FROM running")?.n ?? 0;
		this.readySize = 0;
		this.claimableSize = this.one<{ n: number }>("SELECT count(*) AS n FROM claimable")?.n ?? 0;
		for (const row of this.exec<{ task_type: string; n: number }>("SELECT task_type, count(*) AS n FROM ready GROUP BY task_type")) {
			this.readyByType.set(row.task_type, row.n);
			this.readySize += row.n;
		}
	}

	private exec<T extends Record<string, SqlStorageValue>>(query: string, ...params: SqlStorageValue[]): T[] {
		const cursor = this.storage.sql.exec<T>(query, ...params);
		const rows = cursor.toArray();
		count("do_rows_read", cursor.rowsRead);
		if (cursor.rowsWritten > 0) {
			count("do_rows_written", cursor.rowsWritten);
		}
		return rows;
	}

	/** Runs a write; answers the rows it wrote. */
	private write(query: string, ...params: SqlStorageValue[]): number {
		const written = this.storage.sql.exec(query, ...params).rowsWritten;
		count("do_rows_written", written);
		return written;
	}

	private one<T extends Record<string, SqlStorageValue>>(query: string, ...params: SqlStorageValue[]): T | undefined {
		return this.exec<T>(query, ...params)[0];
	}

	config(): NamespaceConfig | null {
		const row = this.one<{ json: string }>("SELECT json FROM config WHERE id = 1");
		return row ? { ...DEFAULT_LIMITS, ...(JSON.parse(row.json) as NamespaceConfig) } : null;
	}

	saveConfig(config: NamespaceConfig): void {
		this.exec("INSERT OR REPLACE INTO config (id, json) VALUES (1, ?)", JSON.stringify(config));
	}

	running(): number {
		return this.runningCount;
	}

	readyCount(): number {
		return this.readySize;
	}

	claimableCount(): number {
		return this.claimableSize;
	}

	readyOfType(taskType: string): number {
		return this.readyByType.get(taskType) ?? 0;
	}

	private countReady(taskType: string, delta: 1 | -1): void {
		this.readySize += delta;
		this.readyByType.set(taskType, (this.readyByType.get(taskType) ?? 0) + delta);
	}

	slot(taskId: string): Slot | undefined {
		return this.one<Slot & Record<string, SqlStorageValue>>("SELECT * FROM running WHERE task_id = ?", taskId);
	}

	readyTask(taskId: string): ReadyTask | undefined {
		return this.one<ReadyTask & Record<string, SqlStorageValue>>("SELECT * FROM ready WHERE task_id = ?", taskId);
	}

	/** The next task in order whose type is not in `skip` (types without a token right now). */
	nextReady(skip: ReadonlySet<string>): ReadyTask | undefined {
		const types = [...skip];
		const where = types.length > 0 ? `WHERE task_type NOT IN (${types.map(() => "?").join(", ")})` : "";
		return this.one<ReadyTask & Record<string, SqlStorageValue>>(`SELECT * FROM ready ${where} ${ORDER} LIMIT 1`, ...types);
	}

	/** 1-based place of a ready task in the order (an index range count). */
	position(task: ReadyTask): number {
		return this.placeIn("ready", task);
	}

	/** Epoch ms the longest-waiting task (ready or claimable) was offered, or null when none waits. */
	oldestOffer(): number | null {
		const ready = this.one<{ at: number | null }>("SELECT min(offered_at) AS at FROM ready")?.at ?? null;
		const claimable = this.one<{ at: number | null }>("SELECT min(offered_at) AS at FROM claimable")?.at ?? null;
		return ready === null ? claimable : claimable === null ? ready : Math.min(ready, claimable);
	}

	claimableTask(taskId: string): ClaimableTask | undefined {
		return this.one<ClaimableTask & Record<string, SqlStorageValue>>("SELECT * FROM claimable WHERE task_id = ?", taskId);
	}

	/** 1-based place of a claimable task among the claimable ones. */
	claimPosition(task: ClaimableTask): number {
		return this.placeIn("claimable", task);
	}

	/** Tasks ahead of `task` in a set's order (priority, then creation), plus one. */
	private placeIn(table: "ready" | "claimable", task: { priority: number; created_at: number; task_id: string }): number {
		const ahead = this.one<{ n: number }>(
			`SELECT count(*) AS n FROM ${table} WHERE priority > ? OR (priority = ? AND (created_at < ? OR (created_at = ? AND task_id < ?)))`,
			task.priority,
			task.priority,
			task.created_at,
			task.created_at,
			task.task_id,
		);
		return (ahead?.n ?? 0) + 1;
	}

	/** The next claimable task in order that `filter` matches and whose type is not in `skip`. */
	nextClaimable(filter: ClaimFilter, skip: ReadonlySet<string>): ClaimableTask | undefined {
		const names = filter.task_names ?? [];
		const types = filter.task_types ?? [];
		const list = (values: readonly unknown[]) => values.map(() => "?").join(", ");
		const match = [names.length > 0 ? `task_name IN (${list(names)})` : null, types.length > 0 ? `task_type IN (${list(types)})` : null]
			.filter(Boolean)
			.join(" OR ");
		const where = [match ? `(${match})` : null, skip.size > 0 ? `task_type NOT IN (${list([...skip])})` : null].filter(Boolean);
		const clause = where.length > 0 ? `WHERE ${where.join(" AND ")}` : "";
		return this.one<ClaimableTask & Record<string, SqlStorageValue>>(
			`SELECT * FROM claimable ${clause} ${ORDER} LIMIT 1`,
			...names,
			...types,
			...skip,
		);
	}

	addClaimable(task: ClaimableTask): void {
		if (!this.claimableTask(task.task_id)) {
			this.claimableSize += 1;
		}
		this.write(
			"INSERT OR REPLACE INTO claimable (task_id, attempt, priority, created_at, task_type, task_name, offered_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
			task.task_id,
			task.attempt,
			task.priority,
			task.created_at,
			task.task_type,
			task.task_name,
			task.offered_at,
		);
	}

	/** Removes the task from the claimable set if it waits there for `attempt` or an earlier one. */
	removeClaimable(taskId: string, attempt: number): boolean {
		const removed = this.write("DELETE FROM claimable WHERE task_id = ? AND attempt <= ?", taskId, attempt) > 0;
		if (removed) {
			this.claimableSize -= 1;
		}
		return removed;
	}

	addReady(task: ReadyTask): void {
		const known = this.readyTask(task.task_id);
		if (known) {
			this.countReady(known.task_type, -1);
		}
		this.countReady(task.task_type, 1);
		this.exec(
			"INSERT OR REPLACE INTO ready (task_id, attempt, priority, created_at, task_type, offered_at) VALUES (?, ?, ?, ?, ?, ?)",
			task.task_id,
			task.attempt,
			task.priority,
			task.created_at,
			task.task_type,
			task.offered_at,
		);
	}

	/** Removes the task from the ready set if it waits there for `attempt` or an earlier one. */
	removeReady(taskId: string, attempt: number): boolean {
		const removed = this.exec<{ task_type: string }>(
			"DELETE FROM ready WHERE task_id = ? AND attempt <= ? RETURNING task_type",
			taskId,
			attempt,
		)[0];
		if (removed) {
			this.countReady(removed.task_type, -1);
		}
		return removed !== undefined;
	}

	takeSlot(slot: Omit<Slot, "checked_at">): void {
		const existing = this.slot(slot.task_id);
		this.exec(
			"INSERT OR REPLACE INTO running (task_id, attempt, task_type, granted_at, checked_at) VALUES (?, ?, ?, ?, 0)",
			slot.task_id,
			slot.attempt,
			slot.task_type,
			slot.granted_at,
		);
		if (!existing) {
			this.runningCount += 1;
		}
	}

	/** Frees the slot the task holds for `attempt` or an earlier one; false when it held none. */
	freeSlot(taskId: string, attempt: number): boolean {
		const freed = this.write("DELETE FROM running WHERE task_id = ? AND attempt <= ?", taskId, attempt) > 0;
		if (freed) {
			this.runningCount -= 1;
		}
		return freed;
	}

	markChecked(taskId: string, at: number): void {
		this.exec("UPDATE running SET checked_at = ? WHERE task_id = ?", at, taskId);
	}

	/** Slots nobody has confirmed since `before` (epoch ms), oldest first. */
	staleSlots(before: number, limit: number): Slot[] {
		return this.exec<Slot & Record<string, SqlStorageValue>>(
			"SELECT * FROM running WHERE max(granted_at, checked_at) < ? ORDER BY max(granted_at, checked_at) LIMIT ?",
			before,
			limit,
		);
	}

	/** When the least recently confirmed slot was last confirmed, or null with no slot held. */
	oldestConfirmation(): number | null {
		return this.one<{ at: number | null }>("SELECT min(max(granted_at, checked_at)) AS at FROM running")?.at ?? null;
	}
}
