/**
 * TaskObject: one Durable Object per task, the single writer of its state. Every change is
 * `transition()` applied and stored in one synchronous transaction together with its history
 * note, the outbox (what the dispatcher, the queue and history have yet to acknowledge) and the
 * alarm that will retry it; the outbox is then flushed and, where that fails, retried from the
 * alarm with backoff. An object killed mid-flush still owes its deliveries and has its alarm.
 */
import { DurableObject } from "cloudflare:workers";
import { hashAttemptToken, mintAttemptToken } from "../auth/attempt-tokens";
import type { Grantee } from "../dispatch/protocol";
import {
	type AttemptRunner,
	DEFAULT_LEASE_SECONDS,
	type LeaseAnswer,
	type LeaseRequest,
	type Report,
	type ReportAnswer,
	type RunnerRefusal,
} from "../execute/protocol";
import { count } from "../usage";
import { LiveFeed, type LiveTransition, missedSince } from "./live";
import {
	type CancelMode,
	createTask,
	deadlines,
	type Effect,
	holdsTurnFor,
	type MachineContext,
	type NewTask,
	startByReport,
	type TaskEvent,
	type TransitionNote,
	transition,
} from "./machine";
import { emptyOutbox, flushOutbox, outboxDeadline, owe, oweHistory, oweWebhook, SAFETY_MS } from "./outbox";
import { type Task, type TaskRecord, toPublicTask } from "./task";
import { BuiltinRunner, clampLease, leaseOf, reportEvent } from "./task-runner";
import { type StoredTask, type TaskEventEntry, TaskStorage } from "./task-storage";

export type { TaskEventEntry } from "./task-storage";

export type Refusal = RunnerRefusal | { ok: false; code: "IDEMPOTENCY_MISMATCH"; reason: string };
/** `token`: only in the answer that issues it (creating or manually retrying an external task). */
export type TaskAnswer = { ok: true; task: Task; created?: boolean; token?: string } | Refusal;

const notFound: RunnerRefusal = { ok: false, code: "NOT_FOUND", reason: "task not found" };

export class TaskObject extends DurableObject<Env> implements Grantee, AttemptRunner {
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
	private readonly runner: BuiltinRunner;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.storage = new TaskStorage(ctx.storage);
		this.runner = new BuiltinRunner(
			{
				report: (attempt, report) => this.reportAs(attempt, report),
				catchUp: async (now) => {
					this.applyDue(now);
					await this.flush(now);
				},
				timeOut: (attempt) => {
					if (this.applyNow({ type: "timeout", attempt }, Date.now()).ok) {
						this.flushInBackground();
					}
				},
			},
			env,
		);
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
		// An external task's runner gets its token with the create answer; nothing else hands it out.
		const token = spec.execution === "external" ? mintAttemptToken(spec.tenant) : undefined;
		const tokenHash = token === undefined ? null : await hashAttemptToken(token);
		if (this.load()) {
			// Another create of the same Idempotency-Key won the await above.
			return this.create(spec, fingerprint);
		}
		const now = Date.now();
		const first = createTask({ ...spec, token_hash: tokenHash }, this.machineContext(now));
		this.stored = { record: first.task, transitions: [], outbox: emptyOutbox(), fingerprint };
		this.commit(first.task, first.note, first.effects, now);
		// The answer waits for no receiver: the commit holds the offer and the alarm that retries
		// it, so the flush runs after the caller has its PENDING task.
		this.flushInBackground();
		return { ok: true, task: toPublicTask(first.task), created: true, ...(token === undefined ? {} : { token }) };
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

	/**
	 * Server-Sent Events: the snapshot at once, then each change until a terminal state; given
	 * the client's Last-Event-ID, what it missed instead of the snapshot (live.ts). "finished"
	 * when a resumed client already has everything of a finished task; null for no task.
	 */
	async stream(lastEventId: number | null = null): Promise<ReadableStream<Uint8Array> | "finished" | null> {
		count("do_requests");
		const stored = this.load();
		if (!stored) {
			return null;
		}
		const missed =
			lastEventId === null ? null : missedSince(stored.transitions as LiveTransition[], this.storage.logsAfter(lastEventId), lastEventId);
		return this.live.open(toPublicTask(stored.record), this.nextSeq - 1, missed) ?? "finished";
	}

	async startAttempt(attempt: number, request: LeaseRequest): Promise<LeaseAnswer> {
		const stored = this.load();
		if (stored?.record.execution === "external") {
			return { ok: false, code: "STALE_ATTEMPT", reason: "an external task is started by its runner's start report" };
		}
		// The consumer starts every queued attempt; the events should name who runs a pushed one.
		const runner = stored?.record.target ? `push to ${new URL(stored.record.target.url).host}` : request.runner;
		return this.takeAttempt((token_hash, lease_ms) => ({ type: "start", attempt, token_hash, lease_ms, runner }), request);
	}

	async claimAttempt(attempt: number, request: LeaseRequest): Promise<LeaseAnswer> {
		return this.takeAttempt((token_hash, lease_ms) => ({ type: "claim", attempt, token_hash, lease_ms, runner: request.runner }), request);
	}

	/** A runner's report, authorised by its attempt token alone: the token's attempt is the one reported on. */
	async report(token: string, report: Report): Promise<ReportAnswer> {
		count("do_requests");
		if (!this.load()) {
			return notFound;
		}
		const hash = await hashAttemptToken(token);
		const issued = this.require().record.tokens.find((t) => t.hash === hash);
		if (!issued) {
			return { ok: false, code: "NOT_FOUND", reason: "this task issued no such attempt token" };
		}
		return this.reportAs(issued.attempt, report);
	}

	/** Mints the attempt's token and applies the start or claim `event`; the lease goes to this caller only. */
	private async takeAttempt(event: (tokenHash: string, leaseMs: number) => TaskEvent, request: LeaseRequest): Promise<LeaseAnswer> {
		count("do_requests");
		const loaded = this.load();
		if (!loaded) {
			return notFound;
		}
		const token = mintAttemptToken(loaded.record.tenant);
		const tokenHash = await hashAttemptToken(token);
		const record = this.require().record;
		const leaseMs = clampLease(request.lease_ms ?? (record.lease_seconds ?? DEFAULT_LEASE_SECONDS) * 1000);
		const answer = this.applyNow(event(tokenHash, leaseMs), Date.now());
		if (!answer.ok) {
			return answer;
		}
		// The commit armed the alarm (a builtin run starts from it); the caller need not wait for the flush.
		this.flushInBackground();
		return { ok: true, lease: leaseOf(this.require().record, token) };
	}

	/**
	 * A report on `attempt`, fenced by the machine. An external task's first report starts it
	 * (its runner may never send `start`). Every report renews the lease.
	 */
	private async reportAs(attempt: number, report: Report): Promise<ReportAnswer> {
		const before = this.require().record;
		const now = Date.now();
		const start = startByReport(before, attempt, before.lease_seconds === null ? null : clampLease(before.lease_seconds * 1000));
		if (start) {
			const started = this.applyNow(start, now);
			if (!started.ok) {
				return started;
			}
		}
		const answer = this.applyNow(reportEvent(attempt, report), now);
		if (answer.ok && report.kind === "log") {
			this.appendLog(attempt, report.message, report.data);
		}
		if (this.require().record !== before) {
			await this.flush();
		}
		if (!answer.ok) {
			return answer;
		}
		const record = this.require().record;
		return { ok: true, cancel_requested: record.cancel_requested, lease_expires_at: record.lease_expires_at };
	}

	private appendLog(attempt: number, message: string, data: Record<string, unknown> | null): void {
		const line = { seq: this.nextSeq++, at: new Date().toISOString(), attempt, message, data };
		this.storage.appendLog(line);
		this.live.logged(this.require().record.task_id, line);
	}

	async cancel(mode: CancelMode, graceSeconds?: number): Promise<TaskAnswer> {
		return this.apply({ type: "cancel", mode, grace_seconds: graceSeconds });
	}

	/** An external task's new attempt gets a new token, handed out with this answer only. */
	async retry(resetAttempts: boolean): Promise<TaskAnswer> {
		const external = this.load()?.record.execution === "external";
		const token = external ? mintAttemptToken(this.require().record.tenant) : undefined;
		const tokenHash = token === undefined ? undefined : await hashAttemptToken(token);
		const answer = await this.apply({ type: "retry", reset_attempts: resetAttempts, token_hash: tokenHash });
		return answer.ok && token !== undefined ? { ...answer, token } : answer;
	}

	/**
	 * The dispatcher's turn for `attempt` (Grantee): PENDING → PROCESSING for a builtin attempt
	 * (its alarm runs it), PENDING → QUEUED for an http one. True when the task is now, or
	 * already, QUEUED or PROCESSING that attempt; false tells the dispatcher to free the slot.
	 */
	async grant(attempt: number): Promise<boolean> {
		count("do_requests");
		const stored = this.load();
		if (!stored) {
			return false;
		}
		// Committed with the alarm that runs a builtin attempt (or the queue message an http one
		// owes) armed; the dispatcher waits for neither.
		if (this.dispatch(attempt).ok) {
			this.flushInBackground();
		}
		return holdsTurnFor(this.require().record, attempt);
	}

	/** Applies the dispatcher's turn for `attempt`; a builtin attempt starts with the task's lease. */
	private dispatch(attempt: number): { ok: true; task: Task } | RunnerRefusal {
		const leaseMs = clampLease((this.require().record.lease_seconds ?? DEFAULT_LEASE_SECONDS) * 1000);
		return this.applyNow({ type: "dispatch", attempt, lease_ms: leaseMs }, Date.now());
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
	override async alarm(info?: AlarmInvocationInfo): Promise<void> {
		count("do_requests");
		const firedFor = this.armedAt ?? (await this.storage.getAlarm()) ?? 0;
		this.armedAt = null;
		const stored = this.load();
		if (!stored) {
			return;
		}
		const now = Math.max(Date.now(), firedFor);
		if (this.applyDue(now) === "purge") {
			await this.purge();
			return;
		}
		if (this.runner.isDue(stored.record)) {
			if (info?.isRetry) {
				this.armFallback(this.require());
			}
			await this.runner.run(this.require().record, now);
			// Nothing was armed while the run held this invocation (arm()): arm once for what is left.
			if (this.stored) {
				this.arm(this.stored, Date.now());
			}
			return;
		}
		await this.flush(now);
	}

	/** Applies every deadline due by `now`, earliest first; "purge" when the task's time is up. */
	private applyDue(now: number): "purge" | null {
		const due = deadlines(this.require().record, this.purgeAfterMs()).filter((d) => d.at <= now);
		for (const deadline of due.sort((a, b) => a.at - b.at)) {
			if (deadline.event === "purge") {
				return "purge";
			}
			this.applyNow(deadline.event, now);
		}
		return null;
	}

	private async purge(): Promise<void> {
		await this.storage.wipe();
		this.armedAt = null;
		this.stored = null;
		this.nextSeq = 1;
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

	private applyNow(event: TaskEvent, now: number): { ok: true; task: Task } | RunnerRefusal {
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
			this.owe(stored, effect, record, now);
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
		this.runner.stopIfLost(record);
	}

	/** The one place effects are handled: a new effect nobody handles does not compile. `record`: the state being committed. */
	private owe(stored: StoredTask, effect: Effect, record: TaskRecord, now: number): void {
		switch (effect.type) {
			case "offer":
			case "release":
			case "enqueue":
				owe(stored.outbox, effect.type, effect.attempt, now);
				return;
			case "notify":
				oweWebhook(stored.outbox, effect.event, record, now);
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
						await flushOutbox(this.env, stored, now, (attempt) => this.dispatch(attempt));
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
		if (this.runner.busy()) {
			// A builtin run holds this object's alarm invocation, which the platform runs again if
			// the instance dies before it returns (alarms are at-least-once: the one running is
			// deleted only once its handler succeeds), and the run keeps the deadlines itself
			// meanwhile. So commits during a run arm nothing; alarm() arms once when it returns:
			// a run costs one alarm write instead of three.
			return;
		}
		const times = deadlines(stored.record, this.purgeAfterMs()).map((d) => d.at);
		const outboxAt = outboxDeadline(stored.outbox, now);
		if (outboxAt !== null) {
			times.push(outboxAt);
		}
		if (this.runner.isDue(stored.record)) {
			times.push(now);
		}
		const next = times.length > 0 ? Math.min(...times) : null;
		const armed = this.armedAt;
		// An alarm armed for a moment already past has not fired yet: it serves a deadline due now
		// as well as a new write would.
		const dueNow = armed !== null && next !== null && armed <= now && next <= now;
		// With nothing left to wait for (a PENDING task in the ready set, its offer answered), an
		// alarm still armed is left to fire once and find nothing: an invocation costs less than
		// the row written to delete it.
		const idle = next === null && armed !== null;
		const keep =
			dueNow || idle || (atCommit && armed !== null && next !== null && armed >= now && armed <= Math.min(next, now + SAFETY_MS));
		if (next !== armed && !keep) {
			this.armedAt = next;
			this.storage.armAlarm(next);
		}
	}

	/**
	 * A run from a retried invocation (the one before died mid-run: a crash, a reset, a limit) arms
	 * the attempt's earliest deadline (its lease, timeout or grace) before it starts. The platform
	 * retries a failed alarm a few times only (6), and nothing else is armed while a run holds the
	 * invocation: were every retry to die too, nothing would wake the task again. An alarm set
	 * during the handler replaces the retry, so a second death in a row waits for that deadline
	 * instead of two seconds; one write per crash, none for a run that never dies.
	 */
	private armFallback(stored: StoredTask): void {
		const times = deadlines(stored.record, this.purgeAfterMs()).map((d) => d.at);
		if (times.length > 0) {
			this.armedAt = Math.min(...times);
			this.storage.armAlarm(this.armedAt);
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
