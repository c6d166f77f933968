/**
 * Per-key rate limiting: tokens come from the key's RateLimitObject, leased to this isolate in
 * batches of about 100 ms worth (at least 1) and spent locally for up to a second. So a busy key
 * costs one object request per lease instead of one per API request ($0.15/M each), and the
 * limit still holds across isolates: a token is granted once, by the object, whichever isolate
 * spends it. A lease unspent after a second is dropped (never more than granted is spent).
 * Concurrent requests of one key share a single refill, so a burst is not cut short by each of
 * them leasing a batch and keeping one token.
 */
import { ApiError } from "../errors";
import { classifyObjectError } from "../platform/object-calls";
import { count } from "../usage";
import type { RateLimit } from "./token-bucket";

const LEASE_MS = 1000;
/** Waiting requests retry the shared refill this often before giving up with a 429. */
const MAX_ROUNDS = 50;

interface Grant {
	granted: number;
	retryAfterMs: number;
}

const leases = new Map<string, { tokens: number; expires: number }>();
const refills = new Map<string, Promise<Grant | null>>();

export function defaultRateLimit(env: Env): RateLimit {
	return { perSecond: Number(env.RATE_LIMIT_PER_SECOND) || 50, burst: Number(env.RATE_LIMIT_BURST) || 100 };
}

/** One request to the key's object at a time per isolate; null when it cannot be reached. */
function refill(env: Env, keyId: string, limit: RateLimit, now: number): Promise<Grant | null> {
	let pending = refills.get(keyId);
	if (!pending) {
		const want = Math.max(1, Math.floor(limit.perSecond / 10));
		count("do_requests");
		pending = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(keyId))
			.take(want, limit)
			.then((grant: Grant) => {
				leases.set(keyId, { tokens: grant.granted, expires: now + LEASE_MS });
				return grant;
			})
			.catch((error: unknown) => {
				// A limiter that cannot be reached must not take the API down with it: fail open, loudly.
				// Never retried: a take that landed before the error would grant its tokens twice.
				console.error(`taskplane: rate limiter unavailable (${classifyObjectError(error)}), letting the request through`, error);
				return null;
			})
			.finally(() => refills.delete(keyId));
		refills.set(keyId, pending);
	}
	return pending;
}

function rateLimited(limit: RateLimit, retryAfterMs: number): ApiError {
	return new ApiError("RATE_LIMITED", `this key may send ${limit.perSecond} requests per second (bursts of ${limit.burst})`, {
		headers: { "Retry-After": String(Math.max(1, Math.ceil(retryAfterMs / 1000))) },
	});
}

/** Spends one token of `keyId`, or throws 429 with Retry-After. */
export async function spendToken(env: Env, keyId: string, limit: RateLimit, now = Date.now()): Promise<void> {
	for (let round = 0; round < MAX_ROUNDS; round++) {
		const lease = leases.get(keyId);
		if (lease && lease.expires > now && lease.tokens > 0) {
			lease.tokens -= 1;
			return;
		}
		const grant = await refill(env, keyId, limit, now);
		if (grant === null) {
			return;
		}
		if (grant.granted === 0) {
			throw rateLimited(limit, grant.retryAfterMs);
		}
	}
	throw rateLimited(limit, LEASE_MS);
}
