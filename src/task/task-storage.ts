/**
 * The TaskObject's own SQLite: one row holding the task, its transition notes and its outbox
 * (so a transition costs one row written), and one row per log line. Nothing else touches it.
 */
import { count } from "../usage";
import type { TransitionNote } from "./machine";
import { type Outbox, readOutbox } from "./outbox";
import { RECORD_DEFAULTS, type TaskRecord } from "./task";

export interface TaskEventEntry extends Partial<TransitionNote> {
	seq: number;
	at: string;
	type: string;
	message: string;
	data: Record<string, unknown> | null;
}

export interface StoredTask {
	record: TaskRecord;
	transitions: TaskEventEntry[];
	outbox: Outbox;
	fingerprint: string | null;
}

export interface LogLine {
	seq: number;
	at: string;
	attempt: number;
	message: string;
	data: Record<string, unknown> | null;
}

const SCHEMA = [
	`CREATE TABLE IF NOT EXISTS task (
		id INTEGER PRIMARY KEY CHECK (id = 1),
		record TEXT NOT NULL, transitions TEXT NOT NULL, outbox TEXT NOT NULL, fingerprint TEXT)`,
	"CREATE TABLE IF NOT EXISTS log (seq INTEGER PRIMARY KEY, at TEXT NOT NULL, attempt INTEGER NOT NULL, message TEXT NOT NULL, data TEXT)",
];

export class TaskStorage {
	constructor(private readonly storage: DurableObjectStorage) {
		this.createSchema();
	}

	private createSchema(): void {
		for (const statement of SCHEMA) {
			this.storage.sql.exec(statement);
		}
	}

	/** The stored task and the last sequence number its events and logs have used. */
	load(): { stored: StoredTask; lastSeq: number } | null {
		const row = this.storage.sql
			.exec<{ record: string; transitions: string; outbox: string; fingerprint: string | null }>(
				"SELECT record, transitions, outbox, fingerprint FROM task WHERE id = 1",
			)
			.toArray()[0];
		if (!row) {
			return null;
		}
		const transitions = JSON.parse(row.transitions) as TaskEventEntry[];
		const lastLog = this.storage.sql.exec<{ seq: number | null }>("SELECT max(seq) AS seq FROM log").one().seq ?? 0;
		const stored = {
			record: { ...RECORD_DEFAULTS, tokens: [], ...JSON.parse(row.record) } as TaskRecord,
			transitions,
			outbox: readOutbox(JSON.parse(row.outbox)),
			fingerprint: row.fingerprint,
		};
		return { stored, lastSeq: Math.max(lastLog, transitions.at(-1)?.seq ?? 0) };
	}

	save(stored: StoredTask): void {
		this.storage.transactionSync(() => {
			const cursor = this.storage.sql.exec(
				"INSERT OR REPLACE INTO task (id, record, transitions, outbox, fingerprint) VALUES (1, ?, ?, ?, ?)",
				JSON.stringify(stored.record),
				JSON.stringify(stored.transitions),
				JSON.stringify(stored.outbox),
				stored.fingerprint,
			);
			count("do_rows_written", cursor.rowsWritten);
		});
	}

	appendLog(line: LogLine): void {
		const cursor = this.storage.sql.exec(
			"INSERT INTO log (seq, at, attempt, message, data) VALUES (?, ?, ?, ?, ?)",
			line.seq,
			line.at,
			line.attempt,
			line.message,
			line.data === null ? null : JSON.stringify(line.data),
		);
		count("do_rows_written", cursor.rowsWritten);
	}

	logs(): TaskEventEntry[] {
		return this.storage.sql
			.exec<{ seq: number; at: string; message: string; data: string | null }>("SELECT seq, at, message, data FROM log ORDER BY seq")
			.toArray()
			.map((row) => ({ seq: row.seq, at: row.at, type: "log", message: row.message, data: row.data ? JSON.parse(row.data) : null }));
	}

	/**
	 * The one alarm, set to `at` or cleared; each change is billed as a row written. Not awaited
	 * on purpose: called right after `save()` with no `await` between, the alarm commits in the
	 * same atomic write as the row (SQLite-backed objects coalesce every write made without an
	 * intervening await, alarm included, into one implicit transaction:
	 * https://developers.cloudflare.com/durable-objects/api/storage-api/ and
	 * https://blog.cloudflare.com/durable-objects-easy-fast-correct-choose-three/#write-coalescing).
	 * A failed storage write resets the object, so the rejection is only logged here.
	 */
	armAlarm(at: number | null): void {
		const change = at === null ? this.storage.deleteAlarm() : this.storage.setAlarm(at);
		change.catch((error: unknown) => console.error("taskplane: could not arm the alarm", at, error));
		count("do_rows_written");
	}

	getAlarm(): Promise<number | null> {
		return this.storage.getAlarm();
	}

	/** Everything goes, alarm included. */
	async wipe(): Promise<void> {
		await this.storage.deleteAlarm();
		await this.storage.deleteAll();
		// deleteAll drops the SQL tables too, and this instance may live on (a reused
		// Idempotency-Key names the same object): without them its next write would fail.
		this.createSchema();
	}
}
