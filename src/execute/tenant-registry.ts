/**
 * Each tenant's type registry, cached per isolate so a create or an offer costs no D1 read: D1 is
 * read once per tenant per isolate every REGISTRY_TTL_MS. A change made through the API applies
 * at once in the isolate that made it and within REGISTRY_TTL_MS everywhere else (README, Task
 * types). An isolate cache rather than KV: KV's shortest cache TTL is 60 s and it would cost a
 * KV read per create anyway.
 */
import { historyDb } from "../history/db";
import { findTenantTaskTypes } from "../history/task-types";
import { count } from "../usage";
import { BUILTIN_REGISTRY, type TypeRegistry, typeRegistry } from "./task-types";

export const REGISTRY_TTL_MS = 10_000;
/** A refresh not done by then (its request ended, say) lets the next caller try again. */
const REFRESH_TIMEOUT_MS = 5_000;
const MAX_TENANTS = 10_000;

interface Entry {
	registry: TypeRegistry;
	fetched_at: number;
	/** When a caller began reading it again (ms), null when nobody is. */
	refreshing_at: number | null;
}

// Values only, never a shared promise of a read under way: a promise made by one request and
// awaited by another can hang in workerd ("a promise was resolved or rejected from a different
// request context"). So a stale entry is refreshed by the one caller that finds it stale first
// (it waits for the read); the others answer with the stale entry meanwhile. Without that, every
// request in flight when the entry expired read D1 (50 reads a refresh at 50 in flight: most of
// the bench's D1 round trips).
const entries = new Map<string, Entry>();

/**
 * The tenant's registry (its definitions over the built-in types). When D1 cannot be read, an
 * isolate that has read it before keeps its last registry; one that never has throws the error.
 */
export async function tenantRegistry(db: D1Database, tenant: string, now = Date.now()): Promise<TypeRegistry> {
	const entry = entries.get(tenant);
	if (entry && now - entry.fetched_at < REGISTRY_TTL_MS) {
		return entry.registry;
	}
	if (entry && entry.refreshing_at !== null && now - entry.refreshing_at < REFRESH_TIMEOUT_MS) {
		return entry.registry;
	}
	if (entry) {
		entry.refreshing_at = now;
	}
	return read(db, tenant, now, entry);
}

async function read(db: D1Database, tenant: string, now: number, stale: Entry | undefined): Promise<TypeRegistry> {
	count("d1_round_trips");
	try {
		const rows = await findTenantTaskTypes(historyDb(db), tenant);
		const registry = rows.customised ? typeRegistry(rows.types, true) : BUILTIN_REGISTRY;
		remember(tenant, { registry, fetched_at: now, refreshing_at: null });
		return registry;
	} catch (error) {
		if (!stale) {
			throw error;
		}
		console.warn("taskplane: task types could not be read; keeping the last ones", tenant, error);
		return stale.registry;
	}
}

function remember(tenant: string, entry: Entry): void {
	entries.delete(tenant);
	if (entries.size >= MAX_TENANTS) {
		const oldest = entries.keys().next().value;
		if (oldest !== undefined) {
			entries.delete(oldest);
		}
	}
	entries.set(tenant, entry);
}

/** After a change in this isolate: its next create reads the new definitions. */
export function forgetTenantRegistry(tenant: string): void {
	entries.delete(tenant);
}
