/**
 * A namespace's limits: how many of its attempts may hold a turn at once, how fast each task
 * type may start (a token bucket per type), and whether it is paused.
 */

import { type RateLimit, take } from "../auth/token-bucket";
import { DEFAULT_MAX_CONCURRENCY } from "../contract/limits";
import { type TypeRegistry, typeNamed } from "../execute/task-types";

/** Starts per second and bucket depth for one task type. */
export interface TypeRateLimit {
	per_second: number;
	burst: number;
}

export interface NamespaceLimits {
	max_concurrency: number;
	/** Per task type; a type absent here gets its type's `rate_limit` (the tenant's, else the built-in one), if any. */
	rate_limits: Record<string, TypeRateLimit>;
	paused: boolean;
}

/** Mixpeek runs at most 100 tasks per namespace at once; we default to the same. */
export { DEFAULT_MAX_CONCURRENCY };

export const DEFAULT_LIMITS: NamespaceLimits = { max_concurrency: DEFAULT_MAX_CONCURRENCY, rate_limits: {}, paused: false };

/** A type's rate limit in a namespace: the namespace's own, else the type's (tenant > built-in, `resolveType`). */
export function rateLimitOf(limits: NamespaceLimits, taskType: string, registry: TypeRegistry): TypeRateLimit | null {
	return limits.rate_limits[taskType] ?? typeNamed(registry, taskType)?.rate_limit ?? null;
}

/**
 * The token buckets of one namespace, in memory only: writing them would cost a storage row per
 * start. An evicted object refills every bucket to `burst`, which at worst lets one extra burst
 * through — the same trade the API keys' RateLimitObject makes.
 */
export class TypeBuckets {
	private readonly buckets = new Map<string, { tokens: number; at: number }>();

	/**
	 * Takes one token for a start of `taskType` at `now` (epoch ms). Answers 0 when taken (or the
	 * type is unlimited), else the ms until a token is back.
	 */
	take(limit: TypeRateLimit | null, taskType: string, now: number): number {
		if (!limit) {
			return 0;
		}
		const rate: RateLimit = { perSecond: limit.per_second, burst: limit.burst };
		const result = take(this.buckets.get(taskType) ?? null, 1, rate, now);
		this.buckets.set(taskType, result.bucket);
		return result.granted > 0 ? 0 : Math.max(1, result.retryAfterMs);
	}

	/** Whether a start of `taskType` at `now` would find a token, without taking it. */
	has(limit: TypeRateLimit | null, taskType: string, now: number): boolean {
		if (!limit) {
			return true;
		}
		const rate: RateLimit = { perSecond: limit.per_second, burst: limit.burst };
		return take(this.buckets.get(taskType) ?? null, 1, rate, now).granted > 0;
	}

	/** A changed limit starts its bucket afresh. */
	reset(): void {
		this.buckets.clear();
	}
}
