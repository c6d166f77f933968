/** Backoff for automatic retries and projection flushes: exponential with full jitter. */
export interface BackoffPolicy {
	baseMs: number;
	factor: number;
	capMs: number;
}

export const RETRY_BACKOFF: BackoffPolicy = { baseMs: 1_000, factor: 2, capMs: 5 * 60_000 };

/**
 * Delay before the retry that follows failed attempt number `attempt` (1-based).
 * Full jitter (a uniform draw below the exponential ceiling) spreads a burst of failures
 * out instead of retrying them in lockstep; `random` is injected so the rule stays pure.
 */
export function backoffMs(attempt: number, random: () => number, policy: BackoffPolicy = RETRY_BACKOFF): number {
	const exponent = Math.max(0, attempt - 1);
	const ceiling = Math.min(policy.capMs, policy.baseMs * policy.factor ** exponent);
	return Math.floor(random() * ceiling);
}
