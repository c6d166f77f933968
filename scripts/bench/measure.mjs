// Small measuring tools shared by the bench phases: percentiles, a bounded-concurrency pool,
// and the billable-op counters of GET /__usage priced at Cloudflare's list prices.

/** Dollars per million operations (Cloudflare's list prices). Reads are on the list too, at $0.001/M rows. */
export const PRICE_PER_MILLION = {
	worker_requests: 0.3,
	do_requests: 0.15,
	do_rows_written: 1.0,
	do_rows_read: 0.001,
	d1_rows_written: 1.0,
	d1_rows_read: 0.001,
	kv_reads: 0.5,
	kv_writes: 5.0,
	queue_operations: 0.4,
};

/** Nearest-rank percentile, rounded to 0.1 ms. */
export function percentile(values, p) {
	if (values.length === 0) {
		return null;
	}
	const sorted = [...values].sort((a, b) => a - b);
	const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
	return Math.round(sorted[rank - 1] * 10) / 10;
}

export function summary(values) {
	return { p50: percentile(values, 50), p99: percentile(values, 99) };
}

/** Runs `work(item, index)` over `items` with at most `concurrency` in flight; results in order. */
export async function pool(items, concurrency, work) {
	const results = new Array(items.length);
	let next = 0;
	const worker = async () => {
		while (next < items.length) {
			const index = next++;
			results[index] = await work(items[index], index);
		}
	};
	await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
	return results;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A request the local runtime never answers fails the bench in a minute, not undici's five. */
const REQUEST_TIMEOUT_MS = 60_000;
export const timedFetch = (url, init = {}) => fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });

/**
 * Reads the usage counters. Each read is itself one Worker request (counted before routing),
 * so callers keep `reads` and subtract it: the figures are the tasks' cost, not the bench's.
 */
export class UsageMeter {
	reads = 0;
	constructor(url) {
		this.url = url;
	}
	async read() {
		const response = await timedFetch(`${this.url}/__usage`);
		if (!response.ok) {
			throw new Error(`GET /__usage answered ${response.status}: is ENVIRONMENT=development?`);
		}
		this.reads++;
		return response.json();
	}
}

/** after − before, less `ownReads` Worker requests that were the bench reading /__usage. */
export function usageDelta(before, after, ownReads) {
	const delta = {};
	for (const kind of Object.keys(PRICE_PER_MILLION)) {
		delta[kind] = (after[kind] ?? 0) - (before[kind] ?? 0);
	}
	delta.worker_requests -= ownReads;
	return delta;
}

export function perTask(delta, tasks) {
	return Object.fromEntries(Object.entries(delta).map(([kind, n]) => [kind, Math.round((n / tasks) * 1000) / 1000]));
}

/** Price of a million tasks when each costs `ops` (operations per task). */
export function usdPerMillion(ops) {
	const usd = Object.entries(ops).reduce((sum, [kind, n]) => sum + n * (PRICE_PER_MILLION[kind] ?? 0), 0);
	return Math.round(usd * 1000) / 1000;
}

export async function fetchJson(url, init) {
	const response = await timedFetch(url, init);
	const text = await response.text();
	let body = null;
	try {
		body = text ? JSON.parse(text) : null;
	} catch {
		body = text;
	}
	return { status: response.status, body };
}
