/**
 * Billable operations counted where they happen, so `npm run bench` can price a task from
 * what the code really did rather than from an estimate. Local only: `wrangler dev` runs the
 * Worker and its Durable Objects in one isolate, so one module-level tally sees them all; in
 * production each isolate keeps its own and nobody reads it.
 */
export const USAGE_KINDS = [
	"worker_requests",
	"do_requests",
	"do_rows_written",
	"do_rows_read",
	"d1_rows_written",
	/** Queries or batches sent to D1 on a task's behalf: each is one round trip to its one writer. */
	"d1_round_trips",
	"d1_rows_read",
	"kv_reads",
	"kv_writes",
	"queue_operations",
] as const;
export type UsageKind = (typeof USAGE_KINDS)[number];

const tally: Record<UsageKind, number> = Object.fromEntries(USAGE_KINDS.map((k) => [k, 0])) as Record<UsageKind, number>;

export function count(kind: UsageKind, n = 1): void {
	tally[kind] += n;
}

export function usageSnapshot(): Record<UsageKind, number> {
	return { ...tally };
}
