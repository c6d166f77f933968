/** A token bucket (pure): `burst` tokens at most, refilled at `perSecond`. */
export interface RateLimit {
	perSecond: number;
	burst: number;
}

export interface Bucket {
	tokens: number;
	at: number;
}

export interface Take {
	bucket: Bucket;
	granted: number;
	/** When nothing was granted: how long until one token is back. */
	retryAfterMs: number;
}

export function take(bucket: Bucket | null, want: number, limit: RateLimit, now: number): Take {
	const elapsed = bucket ? Math.max(0, now - bucket.at) / 1000 : 0;
	const tokens = bucket ? Math.min(limit.burst, bucket.tokens + elapsed * limit.perSecond) : limit.burst;
	const granted = Math.max(0, Math.min(want, Math.floor(tokens)));
	const left = tokens - granted;
	const retryAfterMs = granted > 0 ? 0 : Math.ceil(((1 - left) / limit.perSecond) * 1000);
	return { bucket: { tokens: left, at: now }, granted, retryAfterMs };
}
