/** Backoff for automatic retries and projection flushes: exponential with full jitter. */
export interface BackoffPolicy {
	baseMs: number;
	factor: number;
	capMs: number;
}

export const RETRY_BACKOFF: BackoffPolicy = { baseMs: 1_000, factor: 2, capMs: 5 * 60_000 };

/** A task type's retry backoff as the API writes it (seconds); a task keeps its type's from creation. */
export interface RetryBackoff {
	base_seconds: number;
	factor: number;
	max_seconds: number;
}

export const DEFAULT_RETRY_BACKOFF: RetryBackoff = {
	base_seconds: RETRY_BACKOFF.baseMs / 1000,
	factor: RETRY_BACKOFF.factor,
	max_seconds: RETRY_BACKOFF.capMs / 1000,
};

/** The policy of a task's retries: its own backoff, or the default for a task stored without one. */
export function retryPolicy(backoff: RetryBackoff | null): BackoffPolicy {
	return backoff === null
		? RETRY_BACKOFF
		: { baseMs: backoff.base_seconds * 1000, factor: backoff.factor, capMs: backoff.max_seconds * 1000 };
}

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
