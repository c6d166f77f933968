/**
 * Per-key rate limiting: tokens come from the key's RateLimitObject, leased to this isolate in
 * batches of about 100 ms worth (at least 1) and spent locally for up to a second. So a busy key
 * costs one object request per lease instead of one per API request ($0.15/M each), and the
 * limit still holds across isolates: a token is granted once, by the object, whichever isolate
 * spends it. A lease unspent after a second is dropped (never more than granted is spent).
 */
import { ApiError } from "../errors";
import { count } from "../usage";
import type { RateLimit } from "./token-bucket";

const LEASE_MS = 1000;
const leases = new Map<string, { tokens: number; expires: number }>();

export function defaultRateLimit(env: Env): RateLimit {
	return { perSecond: Number(env.RATE_LIMIT_PER_SECOND) || 50, burst: Number(env.RATE_LIMIT_BURST) || 100 };
}

/** Spends one token of `keyId`, or throws 429 with Retry-After. */
export async function spendToken(env: Env, keyId: string, limit: RateLimit, now = Date.now()): Promise<void> {
	const lease = leases.get(keyId);
	if (lease && lease.expires > now && lease.tokens > 0) {
		lease.tokens -= 1;
		return;
	}
	const want = Math.max(1, Math.floor(limit.perSecond / 10));
	let answer: { granted: number; retryAfterMs: number };
	try {
		count("do_requests");
		answer = await env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(keyId)).take(want, limit);
	} catch (error) {
		// A limiter that cannot be reached must not take the API down with it: fail open, loudly.
		console.error("taskplane: rate limiter unavailable, letting the request through", error);
		return;
	}
	if (answer.granted === 0) {
		leases.delete(keyId);
		const seconds = Math.max(1, Math.ceil(answer.retryAfterMs / 1000));
		throw new ApiError("RATE_LIMITED", `this key may send ${limit.perSecond} requests per second (bursts of ${limit.burst})`, {
			headers: { "Retry-After": String(seconds) },
		});
	}
	leases.set(keyId, { tokens: answer.granted - 1, expires: now + LEASE_MS });
}
