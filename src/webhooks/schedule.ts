/**
 * When a failed webhook delivery is tried again, and when a failing subscription gives up.
 *
 * A delivery is tried at once, then after each delay of the schedule, each with ±20 % jitter so
 * a receiver that was down is not met by every retry in the same second: 5 s, 5 min, 30 min,
 * 2 h, 5 h, 8 h, 8 h (about 24 h in all, 8 tries). After the last, the delivery is dead-lettered
 * (status `dead_letter`, kept in the log and redeliverable). `WEBHOOK_RETRY_SCHEDULE` (seconds,
 * comma-separated) replaces the schedule; the e2e server sets a short one.
 */

export const DEFAULT_RETRY_SCHEDULE_SECONDS: readonly number[] = [5, 300, 1800, 7200, 18000, 28800, 28800];

/** A queue message can be delayed by at most 12 h. */
const MAX_DELAY_SECONDS = 43_200;
const JITTER = 0.2;

/** A subscription whose every delivery failed for this long is disabled (ms). */
export const DISABLE_AFTER_MS = 3 * 86_400_000;

/** The schedule in force: WEBHOOK_RETRY_SCHEDULE when it is a valid list, else the default. */
export function retrySchedule(env: { WEBHOOK_RETRY_SCHEDULE?: string }): readonly number[] {
	const raw = env.WEBHOOK_RETRY_SCHEDULE?.trim();
	if (!raw) {
		return DEFAULT_RETRY_SCHEDULE_SECONDS;
	}
	const delays = raw.split(",").map((s) => Number(s.trim()));
	if (delays.some((d) => !Number.isFinite(d) || d < 0 || d > MAX_DELAY_SECONDS)) {
		console.warn(`taskplane: WEBHOOK_RETRY_SCHEDULE "${raw}" is not a list of 0-${MAX_DELAY_SECONDS} s; using the default`);
		return DEFAULT_RETRY_SCHEDULE_SECONDS;
	}
	return delays;
}

/**
 * Seconds to wait before retry number `step` (0-based), jittered; null when the schedule is
 * spent and the delivery goes to the dead letter. `random` in [0, 1).
 */
export function retryDelaySeconds(schedule: readonly number[], step: number, random: () => number): number | null {
	const base = schedule[step];
	if (base === undefined) {
		return null;
	}
	const jittered = base * (1 - JITTER + 2 * JITTER * random());
	return Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.round(jittered)));
}
