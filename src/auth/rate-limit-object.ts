/**
 * RateLimitObject: one per API key, the single authority on its token bucket.
 *
 * Why a Durable Object and not Workers' rate-limiting binding: the binding's limit and period
 * are fixed in wrangler.toml (10 s or 60 s periods only), so neither a per-key limit nor
 * "50/s with bursts of 100" can be expressed, and it counts per Cloudflare location, not per
 * key worldwide. A per-isolate bucket alone would let every isolate grant the full limit.
 * The object is exact; its cost is kept down by isolates leasing tokens in batches
 * (see rate-limit.ts), so a busy key costs about one object request per lease, not per request.
 *
 * The bucket lives in memory only: writing it would cost a storage row per lease. If the object
 * is evicted the bucket starts full again, which at worst grants one extra burst.
 */
import { DurableObject } from "cloudflare:workers";
import { type Bucket, type RateLimit, take } from "./token-bucket";

export class RateLimitObject extends DurableObject<Env> {
	private bucket: Bucket | null = null;

	take(want: number, limit: RateLimit): { granted: number; retryAfterMs: number } {
		const result = take(this.bucket, want, limit, Date.now());
		this.bucket = result.bucket;
		return { granted: result.granted, retryAfterMs: result.retryAfterMs };
	}
}
