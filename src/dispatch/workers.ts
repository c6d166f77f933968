/**
 * The pull workers a NamespaceObject has seen, and the claims it holds open (long-poll). Both
 * live in memory only: a claimer is seen again on its next claim (at most `MAX_WAIT_SECONDS`
 * apart while it polls), so a restarted object forgets nobody for long, and keeping them costs
 * no storage write per claim.
 */
import { MAX_CLAIM_WAIT_SECONDS } from "../contract/limits";

/** A claim holds at most this long when nothing is claimable (s). */
export const MAX_WAIT_SECONDS = MAX_CLAIM_WAIT_SECONDS;
/** A claimer not seen for this long is no longer listed (ms). */
export const WORKER_FORGOTTEN_AFTER_MS = 10 * 60_000;

/** A worker as `GET /v1/workers` shows it. */
export interface WorkerInfo {
	worker_id: string;
	namespace: string;
	task_names: string[];
	task_types: string[];
	/** ISO 8601: its first claim since this namespace's dispatcher started. */
	first_seen_at: string;
	/** ISO 8601: its latest claim (a long-poll counts until it answers). */
	last_seen_at: string;
	/** Attempts it claimed that still hold a slot (running, not yet completed, failed or expired). */
	running: number;
	/** A claim of its is open right now, waiting for work. */
	polling: boolean;
}

interface WorkerEntry {
	task_names: string[];
	task_types: string[];
	first_seen: number;
	last_seen: number;
	polls: number;
}

export class WorkerRegistry {
	private readonly workers = new Map<string, WorkerEntry>();
	/** task_id → the worker that claimed its running attempt. */
	private readonly claimedBy = new Map<string, string>();
	/** Open claims waiting for work, by claim id: each is woken to look again. */
	private readonly waiters = new Map<string, () => void>();
	/** Claims whose caller went away (the worker disconnected): they answer nothing and take nothing. */
	private readonly abandoned = new Set<string>();

	seen(workerId: string, filter: { task_names?: readonly string[]; task_types?: readonly string[] }, now: number): void {
		const known = this.workers.get(workerId);
		this.workers.set(workerId, {
			task_names: [...(filter.task_names ?? [])],
			task_types: [...(filter.task_types ?? [])],
			first_seen: known?.first_seen ?? now,
			last_seen: now,
			polls: known?.polls ?? 0,
		});
		this.forgetStale(now);
	}

	claimed(workerId: string, taskId: string): void {
		this.claimedBy.set(taskId, workerId);
	}

	released(taskId: string): void {
		this.claimedBy.delete(taskId);
	}

	/**
	 * Holds a claim until `wake()` or `until` (epoch ms), whichever comes first. The worker counts
	 * as seen for as long as it waits.
	 */
	async wait(workerId: string, claimId: string, until: number, now: number): Promise<void> {
		const entry = this.workers.get(workerId);
		if (entry) {
			entry.polls += 1;
		}
		await new Promise<void>((resolve) => {
			const done = () => {
				clearTimeout(timer);
				this.waiters.delete(claimId);
				resolve();
			};
			const timer = setTimeout(done, Math.max(0, until - now));
			this.waiters.set(claimId, done);
		});
		if (entry) {
			entry.polls -= 1;
			entry.last_seen = Math.max(entry.last_seen, Date.now());
		}
	}

	/** Something a waiting claim might take has changed (an offer, a freed slot, a resume). */
	wake(): void {
		for (const waiter of [...this.waiters.values()]) {
			waiter();
		}
	}

	/** The caller of `claimId` went away: its claim must not take a task nobody would receive. */
	abandon(claimId: string): void {
		this.abandoned.add(claimId);
		this.waiters.get(claimId)?.();
	}

	/** Whether the claim was abandoned; `finished` forgets it (the claim is answering). */
	isAbandoned(claimId: string, finished = false): boolean {
		const abandoned = this.abandoned.has(claimId);
		if (finished) {
			this.abandoned.delete(claimId);
		}
		return abandoned;
	}

	list(namespace: string, now: number): WorkerInfo[] {
		this.forgetStale(now);
		const running = new Map<string, number>();
		for (const workerId of this.claimedBy.values()) {
			running.set(workerId, (running.get(workerId) ?? 0) + 1);
		}
		return [...this.workers.entries()]
			.map(([workerId, entry]) => ({
				worker_id: workerId,
				namespace,
				task_names: entry.task_names,
				task_types: entry.task_types,
				first_seen_at: new Date(entry.first_seen).toISOString(),
				last_seen_at: new Date(entry.polls > 0 ? now : entry.last_seen).toISOString(),
				running: running.get(workerId) ?? 0,
				polling: entry.polls > 0,
			}))
			.sort((a, b) => b.last_seen_at.localeCompare(a.last_seen_at) || a.worker_id.localeCompare(b.worker_id));
	}

	private forgetStale(now: number): void {
		for (const [workerId, entry] of this.workers) {
			if (entry.polls === 0 && now - entry.last_seen > WORKER_FORGOTTEN_AFTER_MS) {
				this.workers.delete(workerId);
			}
		}
	}
}
