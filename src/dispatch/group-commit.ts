/**
 * Group commit of history snapshots: what a namespace's tasks send with their offers, releases
 * and records is buffered in memory and written to D1 together, in one batch (one round trip)
 * per window, so D1 — one database, one writer — sees a few large writes instead of one per
 * task change.
 *
 * The window: flushes are rate-limited by a token bucket, one per WINDOW_MS with a burst of
 * FLUSH_BURST. While the namespace is quiet a snapshot goes at once (a lone task waits
 * one D1 round trip, as it would alone); under load a flush goes every WINDOW_MS, or as soon as
 * MAX_BUFFERED snapshots wait, so the window widens from nothing to WINDOW_MS with the load.
 * WINDOW_MS is what D1 round trips per task come down to under load (each task brings about
 * two snapshots, its offer's and its release's, so at R tasks/s a window W costs 1000 / (W · R)
 * round trips per task: 500 ms keeps it under 0.05 from 40 tasks/s), and a list still shows a
 * new task within a second. A started task's creation snapshot is held up to HOLD_MS more, so
 * the release of a task that ends by then replaces it (one D1 write of the task, not two); a
 * flush takes only what is not held (everything when the buffer is full). A release's answer
 * waits for its flush; a builtin run's end waits
 * for it from its own alarm, so no queue consumer is held by it (an http attempt's consumer is,
 * for up to one window).
 */
import { type Bucket, take } from "../auth/token-bucket";
import type { HistorySnapshot } from "./protocol";

export const MAX_BUFFERED = 400;
export const WINDOW_MS = 500;
/** One: a burst after a lull would cost round trips a steady load never needs. */
export const FLUSH_BURST = 1;
/**
 * How long a started task's creation snapshot may wait for the release that ends it (ms): a task
 * that ends by then reaches D1 in one insert (4 rows) instead of an insert and an update (7). At
 * most one window more, so a list still shows a new task within about a second.
 */
export const HOLD_MS = WINDOW_MS;
const FLUSHES = { perSecond: 1000 / WINDOW_MS, burst: FLUSH_BURST };

interface Waiter {
	resolve(): void;
	reject(error: unknown): void;
}

/** A task's latest snapshot waiting for D1, with whoever waits for it or an earlier one of the task. */
interface Pending {
	snapshot: HistorySnapshot;
	/** Epoch ms before which a flush leaves it for the next one. */
	hold_until: number;
	waiters: Waiter[];
}

export class GroupCommit {
	private buffer = new Map<string, Pending>();
	private timer: ReturnType<typeof setTimeout> | null = null;
	/** Epoch ms the armed flush fires. */
	private timerAt = 0;
	private flushes: Bucket | null = null;

	/** `write` stores the snapshots in one round trip; it throws when D1 refuses them. */
	constructor(private readonly write: (snapshots: HistorySnapshot[]) => Promise<void>) {}

	/**
	 * Resolves once D1 holds the snapshot (or a later one of the same task); rejects when its
	 * batch failed. `holdMs`: let a later snapshot of the task replace this one for that long
	 * (a started task's creation, which its release may soon supersede); a later snapshot
	 * added without a hold goes with the next flush.
	 */
	add(snapshot: HistorySnapshot, holdMs = 0): Promise<void> {
		const now = Date.now();
		const written = new Promise<void>((resolve, reject) => {
			const known = this.buffer.get(snapshot.task.task_id);
			if (!known) {
				this.buffer.set(snapshot.task.task_id, { snapshot, hold_until: now + holdMs, waiters: [{ resolve, reject }] });
				return;
			}
			if (isLater(snapshot, known.snapshot)) {
				known.snapshot = snapshot;
				known.hold_until = Math.min(known.hold_until, now + holdMs);
			}
			known.waiters.push({ resolve, reject });
		});
		if (this.buffer.size >= MAX_BUFFERED) {
			void this.flush();
		} else {
			this.schedule(now);
		}
		return written;
	}

	/** Writes what is buffered and not held now; a caller's own promise from `add` reports the outcome. */
	async flush(): Promise<void> {
		if (this.timer) {
			clearTimeout(this.timer);
			this.timer = null;
		}
		const now = Date.now();
		const full = this.buffer.size >= MAX_BUFFERED;
		const due = [...this.buffer.values()].filter((p) => full || p.hold_until <= now);
		for (const pending of due) {
			this.buffer.delete(pending.snapshot.task.task_id);
		}
		if (this.buffer.size > 0) {
			this.schedule(now);
		}
		if (due.length === 0) {
			return;
		}
		// Always a token's worth: a timer may fire a moment before its token is whole (a Worker's
		// clock only moves with I/O), and a flush that took nothing would let the next go early.
		const taken = take(this.flushes, 1, FLUSHES, now);
		this.flushes = taken.granted > 0 ? taken.bucket : { tokens: taken.bucket.tokens - 1, at: now };
		const waiters = due.flatMap((p) => p.waiters);
		try {
			await this.write(due.map((p) => p.snapshot));
			for (const waiter of waiters) {
				waiter.resolve();
			}
		} catch (error) {
			for (const waiter of waiters) {
				waiter.reject(error);
			}
		}
	}

	/**
	 * Arms the next flush for when a token is back (at once when one is there) and the earliest
	 * hold has passed; an armed flush that would come later is brought forward.
	 */
	private schedule(now: number): void {
		// Peeks at the bucket (the flush itself takes the token).
		const tokenWait = take(this.flushes, 1, FLUSHES, now).retryAfterMs;
		const holdWait = Math.min(...[...this.buffer.values()].map((p) => p.hold_until)) - now;
		const at = now + Math.max(tokenWait, holdWait, 0);
		if (this.timer && this.timerAt <= at) {
			return;
		}
		if (this.timer) {
			clearTimeout(this.timer);
		}
		this.timerAt = at;
		this.timer = setTimeout(() => void this.flush(), at - now);
	}
}

/** A re-created task (same id, later creation) supersedes every snapshot of its predecessor. */
function isLater(a: HistorySnapshot, b: HistorySnapshot): boolean {
	const [ca, cb] = [Date.parse(a.task.created_at), Date.parse(b.task.created_at)];
	return ca > cb || (ca === cb && a.task.version > b.task.version);
}
