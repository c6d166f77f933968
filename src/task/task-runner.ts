/**
 * The runner side of a TaskObject: the lease a start or claim hands out, the machine event a
 * runner's report stands for, and the builtin run an alarm drives. Nothing here writes the task's
 * storage: every change goes back through the object (`RunHost`), which stays its only writer.
 */
import { runBuiltin } from "../execute/builtin";
import {
	type AttemptLease,
	DEFAULT_LEASE_SECONDS,
	MAX_LEASE_SECONDS,
	MIN_LEASE_SECONDS,
	type Report,
	type ReportAnswer,
} from "../execute/protocol";
import type { TaskEvent } from "./machine";
import type { TaskRecord } from "./task";

/** How often a builtin run looks at the deadlines its busy alarm cannot (ms). */
const TICK_MS = 5_000;

/** A lease asked for (ms), kept within the bounds a runner may hold one. */
export function clampLease(ms: number): number {
	return Math.min(MAX_LEASE_SECONDS * 1000, Math.max(MIN_LEASE_SECONDS * 1000, ms));
}

/** The lease handed to whoever started or claimed `record`'s attempt, with its new `token`. */
export function leaseOf(record: TaskRecord, token: string): AttemptLease {
	return {
		task_id: record.task_id,
		task_name: record.task_name,
		task_type: record.task_type,
		namespace: record.namespace,
		attempt: record.attempt,
		payload: record.payload,
		token,
		lease_expires_at: record.lease_expires_at,
		target: record.execution === "http" ? record.target : null,
	};
}

/** The machine event a runner's report on `attempt` stands for; a log line renews the lease like a heartbeat. */
export function reportEvent(attempt: number, report: Report): TaskEvent {
	switch (report.kind) {
		case "start":
		case "heartbeat":
		case "log":
			return { type: "heartbeat", attempt };
		case "progress": {
			const { percent = null, done = null, total = null, message = null } = report.progress;
			return { type: "progress", attempt, progress: { percent, done, total, message } };
		}
		case "complete":
			return { type: "complete", attempt, result: report.result ?? null, errors: report.errors };
		case "fail":
			return { type: "fail", attempt, error: report.error };
		default: {
			const unknown: never = report;
			throw new Error(`unhandled report ${JSON.stringify(unknown)}`);
		}
	}
}

/** What a builtin run needs of its TaskObject; each call applies and stores through the object. */
export interface RunHost {
	/** A report on `attempt`, as a runner's would be (renews the lease). */
	report(attempt: number, report: Report): Promise<ReportAnswer>;
	/** Applies whatever is due by `now` (ms) and flushes the outbox as of then. */
	catchUp(now: number): Promise<void>;
	/** The attempt's timeout has come. */
	timeOut(attempt: number): void;
}

/** A builtin attempt this instance is running from its alarm; lost with the instance (the lease then expires). */
interface Run {
	attempt: number;
	controller: AbortController;
}

/** The builtin attempt, if any, that this instance runs: at most one at a time. */
export class BuiltinRunner {
	private running: Run | null = null;

	constructor(
		private readonly host: RunHost,
		private readonly env: Env,
	) {}

	/**
	 * A builtin attempt PROCESSING with no run of it in this instance: just started, or its
	 * instance died mid-run (kill -9, a restart). Running it again in the same attempt is safe
	 * because handlers are idempotent by task (messages.create inserts once per task); if no alarm
	 * runs it in time, the lease expires and the attempt is retried. A run of an earlier attempt
	 * may still be finishing (its last report's flush) when a retry's attempt starts: the new
	 * attempt is due all the same, and its alarm fires once that run's alarm has returned.
	 */
	isDue(record: TaskRecord | undefined): boolean {
		return !!record && record.status === "PROCESSING" && record.execution === "builtin" && this.running?.attempt !== record.attempt;
	}

	/**
	 * Runs the builtin handler inside the alarm invocation (bounded to 15 min, hence the 900 s
	 * timeout cap). Other calls still reach the object meanwhile: a cancel aborts the handler's
	 * signal at once (`stopIfLost`). The alarm is busy for the run, so the run keeps the
	 * object's deadlines itself: it renews the lease, applies the timeout when it comes and,
	 * every few seconds, whatever else is due (a soft cancel's grace, an outbox retry).
	 * `asOf`: the moment (ms) the alarm stood for, due at the first tick.
	 */
	async run(record: TaskRecord, asOf: number): Promise<void> {
		const run: Run = { attempt: record.attempt, controller: new AbortController() };
		this.running = run;
		const leaseMs = record.lease_ms ?? DEFAULT_LEASE_SECONDS * 1000;
		const tick = async (firstAsOf = 0) => {
			try {
				await this.host.report(run.attempt, { kind: "heartbeat" });
				await this.host.catchUp(Math.max(Date.now(), firstAsOf));
			} catch (error) {
				console.warn("taskplane: a builtin run's tick failed; the next one tries again", error);
			}
		};
		await tick(asOf);
		const renewal = setInterval(tick, Math.min(leaseMs / 3, TICK_MS));
		const timeout = setTimeout(() => this.host.timeOut(run.attempt), Math.max(0, (record.timeout_at ?? Date.now()) - Date.now()));
		try {
			const { task_id, tenant, task_name, payload } = record;
			await runBuiltin({ task_id, tenant, task_name, payload, attempt: run.attempt }, this.env, run.controller.signal, (report) =>
				this.host.report(run.attempt, report),
			);
		} catch (error) {
			console.error("taskplane: builtin run failed outside its handler; the lease will settle it", error);
		} finally {
			clearInterval(renewal);
			clearTimeout(timeout);
			if (this.running === run) {
				this.running = null;
			}
		}
	}

	/** A run is in progress: this instance is inside the alarm invocation that drives it. */
	busy(): boolean {
		return this.running !== null;
	}

	/** A run whose attempt ended, or was asked to stop, has its signal aborted at once. `record`: the state just committed. */
	stopIfLost(record: TaskRecord): void {
		const run = this.running;
		if (!run || run.controller.signal.aborted) {
			return;
		}
		const holds = record.status === "PROCESSING" && record.attempt === run.attempt;
		if (!holds || record.cancel_requested) {
			run.controller.abort(holds ? "cancel requested" : `attempt ${run.attempt} ended: task is ${record.status}`);
		}
	}
}
