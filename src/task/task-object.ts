/**
 * TaskObject: one Durable Object per task, the single writer of its state. Every change is
 * `transition()` applied and stored in one synchronous transaction together with its history
 * note, the outbox (what the dispatcher, the queue and history have yet to acknowledge) and the
 * alarm that will retry it; the outbox is then flushed and, where that fails, retried from the
 * alarm with backoff. An object killed mid-flush still owes its deliveries and has its alarm.
 */
import { DurableObject } from "cloudflare:workers";
import type { Grantee } from "../dispatch/protocol";
import { count } from "../usage";
import { LiveFeed } from "./live";
import {
	type CancelMode,
	checkReport,
	createTask,
	deadlines,
	type Effect,
	holdsTurnFor,
	type MachineContext,
	type NewTask,
	type TaskEvent,
	type TaskFailure,
	type TransitionNote,
	transition,
} from "./machine";
import { emptyOutbox, flushOutbox, outboxDeadline, owe, oweHistory, SAFETY_MS } from "./outbox";
import { type ItemError, type Task, type TaskProgress, type TaskRecord, toPublicTask } from "./task";
import { type StoredTask, type TaskEventEntry, TaskStorage } from "./task-storage";

export type { TaskEventEntry } from "./task-storage";

export type Refusal = { ok: false; code: "CONFLICT" | "STALE_ATTEMPT" | "NOT_FOUND" | "IDEMPOTENCY_MISMATCH"; reason: string };
export type TaskAnswer = { ok: true; task: Task; created?: boolean } | Refusal;
export type ReportAnswer = { ok: true; cancel_requested: boolean } | Refusal;
export interface AttemptSpec {
	task_id: string;
	task_name: string;
	payload: unknown;
	attempt: number;
}

const notFound: Refusal = { ok: false, code: "NOT_FOUND", reason: "task not found" };

export class TaskObject extends DurableObject<Env> implements Grantee {
	private readonly storage: TaskStorage;
	private stored: StoredTask | null | undefined;
	private nextSeq = 1;
	private armedAt: number | null = null;
	private flushing: Promise<void> | null = null;
	private flushAgain = false;
	/** An alarm fired early (tests) flushes as of the deadline it stood for; 0 when none. */
	private flushAsOf = 0;
	/** Open `/stream` readers; in memory only, fed after each commit and log line. */
	private readonly live = new LiveFeed();

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.storage = new TaskStorage(ctx.storage);
	}

	async create(spec: NewTask, fingerprint: string | null): Promise<TaskAnswer> {
		count("do_requests");
		const existing = this.load();
		if (existing) {
			if (fingerprint !== null && existing.fingerprint !== fingerprint) {
				return { ok: false, code: "IDEMPOTENCY_MISMATCH", reason: "this Idempotency-Key was used with a different request body" };
			}
			return { ok: true, task: toPublicTask(existing.record), created: false };
		}
		const now = Date.now();
		const first = createTask(spec, this.machineContext(now));
		this.stored = { record: first.task, transitions: [], outbox: emptyOutbox(), fingerprint };
		this.commit(first.task, first.note, first.effects, now);
		// The answer waits for no receiver: the commit holds the offer and the alarm that retries
		// it, so the flush runs after the caller has its PENDING task.
		this.flushInBackground();
		return { ok: true, task: toPublicTask(first.task), created: true };
	}

	async get(): Promise<Task | null> {
		count("do_requests");
		const stored = this.load();
		return stored ? toPublicTask(stored.record) : null;
	}

	async events(): Promise<TaskEventEntry[] | null> {
		count("do_requests");
		const stored = this.load();
		if (!stored) {
			return null;
		}
		return [...stored.transitions, ...this.storage.logs()].sort((a, b) => a.seq - b.seq);
	}

	/** Server-Sent Events: the snapshot at once, then each change until a terminal state. */
	async stream(): Promise<ReadableStream<Uint8Array> | null> {
		count("do_requests");
		const stored = this.load();
		return stored ? this.live.open(toPublicTask(stored.record)) : null;
	}

	/** The queue consumer's claim on an attempt: the spec only if this call moved it to PROCESSING. */
	async start(attempt: number): Promise<AttemptSpec | null> {
		const answer = await this.apply({ type: "start", attempt });
		if (!answer.ok) {
			return null;
		}
		const { task_id, task_name, payload } = this.require().record;
		return { task_id, task_name, payload, attempt };
	}

	async progress(attempt: number, progress: TaskProgress): Promise<ReportAnswer> {
		return this.report(await this.apply({ type: "progress", attempt, progress }));
	}

	async log(attempt: number, message: string, data: Record<string, unknown> | null): Promise<ReportAnswer> {
		count("do_requests");
		const stored = this.load();
		if (!stored) {
			return notFound;
		}
		const fenced = checkReport(stored.record, attempt);
		if (fenced) {
			return fenced;
		}
		const line = { seq: this.nextSeq++, at: new Date().toISOString(), attempt, message, data };
		this.storage.appendLog(line);
		this.live.logged(stored.record.task_id, line);
		return { ok: true, cancel_requested: stored.record.cancel_requested };
	}

	async complete(attempt: number, result: unknown, errors: ItemError[]): Promise<ReportAnswer> {
		return this.report(await this.apply({ type: "complete", attempt, result, errors }));
	}

	async fail(attempt: number, error: TaskFailure): Promise<ReportAnswer> {
		return this.report(await this.apply({ type: "fail", attempt, error }));
	}

	async cancel(mode: CancelMode, graceSeconds?: number): Promise<TaskAnswer> {
		return this.apply({ type: "cancel", mode, grace_seconds: graceSeconds });
	}

	async retry(resetAttempts: boolean): Promise<TaskAnswer> {
		return this.apply({ type: "retry", reset_attempts: resetAttempts });
	}

	/**
	 * The dispatcher's turn for `attempt` (Grantee): PENDING → QUEUED. True when the task is now,
	 * or already, QUEUED or PROCESSING that attempt; false tells the dispatcher to free the slot.
	 */
	async grant(attempt: number): Promise<boolean> {
		count("do_requests");
		const stored = this.load();
		if (!stored) {
			return false;
		}
		// Committed with its queue message owed and the alarm armed; the dispatcher does not wait
		// for the send.
		if (this.applyNow({ type: "dispatch", attempt }, Date.now()).ok) {
			this.flushInBackground();
		}
		return holdsTurnFor(this.require().record, attempt);
	}

	/** Reconciliation (Grantee): true while the task is QUEUED or PROCESSING `attempt`. */
	async holdsTurn(attempt: number): Promise<boolean> {
		count("do_requests");
		const stored = this.load();
		return !!stored && holdsTurnFor(stored.record, attempt);
	}

	/**
	 * Alarms are at-least-once and may fire early under test (`runDurableObjectAlarm`): the
	 * alarm stands for the earliest deadline it was armed for, so that deadline counts as due.
	 */
	override async alarm(): Promise<void> {
		count("do_requests");
		const firedFor = this.armedAt ?? (await this.storage.getAlarm()) ?? 0;
		this.armedAt = null;
		const stored = this.load();
		if (!stored) {
			return;
		}
		const now = Math.max(Date.now(), firedFor);
		const due = deadlines(stored.record, this.purgeAfterMs()).filter((d) => d.at <= now);
		for (const deadline of due.sort((a, b) => a.at - b.at)) {
			if (deadline.event === "purge") {
				await this.purge();
				return;
			}
			this.applyNow(deadline.event, now);
		}
		await this.flush(now);
	}

	private async purge(): Promise<void> {
		await this.storage.wipe();
		this.armedAt = null;
		this.stored = null;
		this.nextSeq = 1;
	}

	private report(answer: TaskAnswer): ReportAnswer {
		return answer.ok ? { ok: true, cancel_requested: answer.task.cancel_requested } : answer;
	}

	private async apply(event: TaskEvent): Promise<TaskAnswer> {
		count("do_requests");
		if (!this.load()) {
			return notFound;
		}
		const answer = this.applyNow(event, Date.now());
		if (answer.ok) {
			await this.flush();
		}
		return answer;
	}

	private applyNow(event: TaskEvent, now: number): TaskAnswer {
		const stored = this.require();
		const result = transition(stored.record, event, this.machineContext(now));
		if (!result.ok) {
			return result;
		}
		if (result.task !== stored.record) {
			this.commit(result.task, result.note, result.effects, now);
		}
		return { ok: true, task: toPublicTask(this.require().record) };
	}

	/**
	 * Stores the new state, its history note, the deliveries it owes and the alarm that retries
	 * them in one atomic write: nothing between `save` and `arm` awaits.
	 */
	private commit(record: TaskRecord, note: TransitionNote | null, effects: Effect[], now: number): void {
		const stored = this.require();
		const before = stored.record;
		for (const effect of effects) {
			this.owe(stored, effect, now);
		}
		oweHistory(stored.outbox, record, now);
		stored.record = record;
		const at = new Date(now).toISOString();
		const entries = note ? [{ seq: this.nextSeq++, at, ...note }] : [];
		stored.transitions.push(...entries);
		this.storage.save(stored);
		this.arm(stored, now, true);
		this.flushAgain = true;
		this.live.changed(before, record, entries);
	}

	/** The one place effects are handled: a new effect nobody handles does not compile. */
	private owe(stored: StoredTask, effect: Effect, now: number): void {
		switch (effect.type) {
			case "offer":
			case "release":
			case "enqueue":
				owe(stored.outbox, effect.type, effect.attempt, now);
				return;
			default: {
				const unknown: never = effect;
				throw new Error(`unhandled effect ${JSON.stringify(unknown)}`);
			}
		}
	}

	private flushInBackground(): void {
		this.flush().catch((error: unknown) => console.error("taskplane: flush failed; the alarm will retry", error));
	}

	/** Single-flight: a commit made while a flush runs makes that flush go round again. */
	private flush(asOf = 0): Promise<void> {
		this.flushAgain = true;
		this.flushAsOf = Math.max(this.flushAsOf, asOf);
		if (!this.flushing) {
			this.flushing = (async () => {
				try {
					while (this.flushAgain) {
						this.flushAgain = false;
						const stored = this.stored;
						if (!stored) {
							return;
						}
						const now = Math.max(Date.now(), this.flushAsOf);
						await flushOutbox(this.env, stored, now, (attempt) => this.applyNow({ type: "dispatch", attempt }, Date.now()));
					}
					if (this.stored) {
						this.arm(this.stored, Date.now());
					}
				} finally {
					this.flushing = null;
					this.flushAsOf = 0;
				}
			})();
		}
		return this.flushing;
	}

	/**
	 * Arms the alarm at the earliest of the machine's deadlines and the outbox's retries. After a
	 * flush it is armed exactly: an earlier, obsolete alarm left in place would not save its
	 * write (it re-arms when it fires) and would add an invocation. At a commit, an alarm already
	 * armed within the safety window is kept: a commit's deliveries are flushed at once and the
	 * flush re-arms exactly, so moving the alarm a few seconds later would be a write for nothing
	 * (a task that ends within seconds of its creation keeps its first alarm until it is done).
	 */
	private arm(stored: StoredTask, now: number, atCommit = false): void {
		const times = deadlines(stored.record, this.purgeAfterMs()).map((d) => d.at);
		const outboxAt = outboxDeadline(stored.outbox, now);
		if (outboxAt !== null) {
			times.push(outboxAt);
		}
		const next = times.length > 0 ? Math.min(...times) : null;
		const armed = this.armedAt;
		const keep = atCommit && armed !== null && next !== null && armed >= now && armed <= Math.min(next, now + SAFETY_MS);
		if (next !== armed && !keep) {
			this.armedAt = next;
			this.storage.armAlarm(next);
		}
	}

	private load(): StoredTask | null {
		if (this.stored === undefined) {
			const loaded = this.storage.load();
			this.stored = loaded?.stored ?? null;
			this.nextSeq = (loaded?.lastSeq ?? 0) + 1;
		}
		return this.stored;
	}

	private require(): StoredTask {
		const stored = this.load();
		if (!stored) {
			throw new Error("task state used before it exists");
		}
		return stored;
	}

	private machineContext(now: number): MachineContext {
		return { now, random: Math.random };
	}

	private purgeAfterMs(): number {
		return Number(this.env.TASK_RETENTION_DAYS) * 86_400_000;
	}
}
