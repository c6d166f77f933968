/**
 * What the platform can arm and run, in one place. Every schema that takes a time or a
 * duration bounds it with these, so a request the platform cannot honour is a 422 naming the
 * limit before anything is stored — never a 500 after the task exists. Plain zod: this module
 * is shared by routes, SDK and CLI.
 */
import { z } from "zod";

/**
 * The last instant a Durable Object alarm can be set to: workerd keeps alarm times as int64
 * nanoseconds since the epoch, so `setAlarm` throws from 2262-04-11T23:47:16.854Z on.
 */
export const LATEST_ARMABLE_MS = Date.UTC(2262, 3, 11, 23, 47, 16, 854);

/** Per attempt; a task type's default is usually far lower. */
export const MAX_TIMEOUT_SECONDS = 7 * 86_400;
/** How long a soft cancel may wait to be acknowledged before it turns hard. */
export const MAX_GRACE_SECONDS = 86_400;
export const MAX_DELAY_SECONDS = 365 * 86_400;
/** One Worker invocation (a queue batch or an alarm) runs at most 15 minutes of wall clock. */
export const MAX_INVOCATION_SECONDS = 900;

/**
 * The latest `run_at` a request may ask for. Once it is reached the task still arms deadlines
 * after it (the attempt's timeout, a cancel's grace, retry backoffs, the purge after retention),
 * so the limit sits about 100 days before LATEST_ARMABLE_MS — a round date that a 422 can name.
 * "Never" is not a time: leave run_at out, or cancel the task.
 */
export const LATEST_RUN_AT = "2262-01-01T00:00:00Z";
export const LATEST_RUN_AT_MS = Date.parse(LATEST_RUN_AT);

/** An ISO 8601 instant with an offset, no later than LATEST_RUN_AT. */
export function schedulableTime() {
	return z.iso
		.datetime({ offset: true })
		.refine((value) => Date.parse(value) <= LATEST_RUN_AT_MS, {
			message: `at most ${LATEST_RUN_AT}: later times cannot be scheduled (leave the field out for "now")`,
		})
		.meta({ format: "date-time", description: `ISO 8601, at most ${LATEST_RUN_AT}` });
}

/** A duration in seconds between `min` and `max`; the message names the limit. */
export function seconds(min: number, max: number, options: { int?: boolean } = {}) {
	const base = options.int === false ? z.number() : z.number().int();
	return base.min(min, { message: `at least ${min} seconds` }).max(max, { message: `at most ${max} seconds (${describeSeconds(max)})` });
}

function describeSeconds(total: number): string {
	const units: [number, string][] = [
		[86_400, "days"],
		[3_600, "hours"],
		[60, "minutes"],
	];
	for (const [size, name] of units) {
		if (total % size === 0 && total >= size) {
			return `${total / size} ${total === size ? name.slice(0, -1) : name}`;
		}
	}
	return `${total} seconds`;
}

/** A namespace's running attempts when its limits do not say (Mixpeek's 100 per namespace). */
export const DEFAULT_MAX_CONCURRENCY = 100;
/** The longest a claim long-polls for work (s). */
export const MAX_CLAIM_WAIT_SECONDS = 30;
