/**
 * Calls to Durable Objects: one classifier of the errors they throw and one retry policy, for
 * every place the code calls an object (the queue consumer, the task services, the rate
 * limiter, the dispatcher).
 *
 * Cloudflare's rules (https://developers.cloudflare.com/durable-objects/best-practices/error-handling/):
 * an error with `.retryable` true may be retried when the call is idempotent, with exponential
 * backoff; an error with `.overloaded` true must not be retried — the object cannot keep up and
 * a retry adds to its load; an error with `.remote` true was thrown by the object's own code
 * and is not the platform's. A stub may be broken after an error, so a retry makes a new one.
 * The runtime already retries a call that never reached the object
 * (https://developers.cloudflare.com/durable-objects/best-practices/automatic-retries/);
 * what is left to us is an error after the request may have arrived.
 */
import { type BackoffPolicy, backoffMs } from "../task/retry";

/** `retryable`: worth another try; `overloaded`: back off, do not retry now; `failed`: the call's own error. */
export type ObjectErrorKind = "retryable" | "overloaded" | "failed";

export function classifyObjectError(error: unknown): ObjectErrorKind {
	if (typeof error !== "object" || error === null) {
		return "failed";
	}
	const flags = error as { retryable?: unknown; overloaded?: unknown };
	// Older runtimes said so only in the message.
	if (flags.overloaded === true || String(error).includes("Durable Object is overloaded")) {
		return "overloaded";
	}
	return flags.retryable === true ? "retryable" : "failed";
}

/** Whether an error is the platform's (retryable or overloaded): the API answers it 503, not 500. */
export function isPlatformUnavailable(error: unknown): boolean {
	return classifyObjectError(error) !== "failed";
}

/** Full-jitter backoff between tries of one call, ms: short, since a caller is waiting. */
export const OBJECT_CALL_BACKOFF: BackoffPolicy = { baseMs: 100, factor: 2, capMs: 2_000 };
export const OBJECT_CALL_TRIES = 3;

export interface ObjectCallOptions {
	tries?: number;
	/** Give up on a try after this many ms (the call may still land): a reply that never comes must not hang the caller. */
	timeoutMs?: number;
	policy?: BackoffPolicy;
	random?: () => number;
	sleep?: (ms: number) => Promise<void>;
}

const sleepMs = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `call` — which must get its own stub, so a retry does not reuse a broken one — and
 * tries again, up to `tries` in all with full-jitter backoff (src/task/retry.ts), only when the
 * error is `retryable`. Overloaded and the object's own errors are thrown at once. Only for
 * idempotent calls. Throws the last error.
 */
export async function callObject<T>(call: () => Promise<T>, options: ObjectCallOptions = {}): Promise<T> {
	const { tries = OBJECT_CALL_TRIES, policy = OBJECT_CALL_BACKOFF, random = Math.random, sleep = sleepMs, timeoutMs } = options;
	for (let attempt = 1; ; attempt++) {
		try {
			return await (timeoutMs === undefined ? call() : withTimeout(call(), timeoutMs));
		} catch (error) {
			if (attempt >= tries || classifyObjectError(error) !== "retryable") {
				throw error;
			}
			await sleep(backoffMs(attempt, random, policy));
		}
	}
}

/** A timed-out call is retryable: it may or may not have landed, as after a dropped connection. */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
	let timer: ReturnType<typeof setTimeout> | undefined;
	const timeout = new Promise<never>((_, reject) => {
		timer = setTimeout(
			() => reject(Object.assign(new Error(`Durable Object call gave no answer within ${ms} ms`), { retryable: true })),
			ms,
		);
	});
	return Promise.race([promise, timeout]).finally(() => clearTimeout(timer ?? null));
}

/** Redelivery of a queue message whose object call failed: 1 s doubling to 60 s, full jitter, in whole seconds. */
export const REDELIVERY_BACKOFF: BackoffPolicy = { baseMs: 1_000, factor: 2, capMs: 60_000 };

/**
 * Seconds before a message is delivered again after its `attempts`-th delivery failed (≥ 1).
 * An overloaded object is given one step more of backoff, so it sheds load.
 */
export function redeliveryDelaySeconds(attempts: number, kind: ObjectErrorKind, random: () => number = Math.random): number {
	const ms = backoffMs(kind === "overloaded" ? attempts + 1 : attempts, random, REDELIVERY_BACKOFF);
	return Math.max(1, Math.ceil(ms / 1000));
}
