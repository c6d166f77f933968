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
 * new task within a second. A release's answer waits for its flush; a builtin run's end waits
 * for it from its own alarm, so no queue consumer is held by it (an http attempt's consumer is,
 * for up to one window).
 */
import { type Bucket, take } from "../auth/token-bucket";
import type { HistorySnapshot } from "./protocol";

export const MAX_BUFFERED = 400;
export const WINDOW_MS = 500;
/** One: a burst after a lull would cost round trips a steady load never needs. */
export const FLUSH_BURST = 1;
const FLUSHES = { perSecond: 1000 / WINDOW_MS, burst: FLUSH_BURST };

interface Waiter {
	resolve(): void;
	reject(error: unknown): void;
}

export class GroupCommit {
	private buffer = new Map<string, HistorySnapshot>();
	private waiters: Waiter[] = [];
	private timer: ReturnType<typeof setTimeout> | null = null;
	private flushes: Bucket | null = null;

	/** `write` stores the snapshots in one round trip; it throws when D1 refuses them. */
	constructor(private readonly write: (snapshots: HistorySnapshot[]) => Promise<void>) {}

	/** Resolves once D1 holds the snapshot (or a later one of the same task); rejects when its batch failed. */
	add(snapshot: HistorySnapshot): Promise<void> {
		const known = this.buffer.get(snapshot.task.task_id);
		if (!known || isLater(snapshot, known)) {
			this.buffer.set(snapshot.task.task_id, snapshot);
		}
		const written = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
		if (this.buffer.size >= MAX_BUFFERED) {
			void this.flush();
		} else if (!this.timer) {
			// Peeks at the bucket (the flush itself takes the token): 0 when one is there.
			const wait = take(this.flushes, 1, FLUSHES, Date.now()).retryAfterMs;
			this.timer = setTimeout(() => void this.flush(), wait);
		}
		return written;
	}

	/** Writes what is buffered now; a caller's own promise from `add` reports the outcome. */
	async flush(): Promise<void> {
		if (this.timer) {
			clearTimeout(this.timer);
			this.timer = null;
		}
		const snapshots = [...this.buffer.values()];
		const waiters = this.waiters;
		this.flushes = take(this.flushes, 1, FLUSHES, Date.now()).bucket;
		this.buffer = new Map();
		this.waiters = [];
		if (snapshots.length === 0) {
			return;
		}
		try {
			await this.write(snapshots);
			for (const waiter of waiters) {
				waiter.resolve();
			}
		} catch (error) {
			for (const waiter of waiters) {
				waiter.reject(error);
			}
		}
	}
}

/** A re-created task (same id, later creation) supersedes every snapshot of its predecessor. */
function isLater(a: HistorySnapshot, b: HistorySnapshot): boolean {
	const [ca, cb] = [Date.parse(a.task.created_at), Date.parse(b.task.created_at)];
	return ca > cb || (ca === cb && a.task.version > b.task.version);
}
