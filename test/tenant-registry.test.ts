/**
 * The per-isolate cache of each tenant's task types: a create or an offer reads D1 at most once
 * per tenant per REGISTRY_TTL_MS, and a burst that finds the entry stale refreshes it once.
 */
import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { REGISTRY_TTL_MS, tenantRegistry } from "../src/execute/tenant-registry";
import { usageSnapshot } from "../src/usage";

const reads = () => usageSnapshot().d1_round_trips;

it("a burst on a stale entry reads D1 once; the rest answer with the entry they have", async () => {
	const tenant = `t-${crypto.randomUUID()}`;
	const t0 = Date.now();
	const before = reads();
	const first = await tenantRegistry(env.DB, tenant, t0);
	expect(reads() - before).toBe(1);
	// Within the TTL: no read at all.
	await Promise.all(Array.from({ length: 20 }, () => tenantRegistry(env.DB, tenant, t0 + REGISTRY_TTL_MS - 1)));
	expect(reads() - before).toBe(1);
	// Stale: 50 callers at once (as 50 creates in flight), one read.
	const stale = t0 + REGISTRY_TTL_MS + 1;
	const burst = await Promise.all(Array.from({ length: 50 }, () => tenantRegistry(env.DB, tenant, stale)));
	expect(reads() - before).toBe(2);
	expect(burst.every((registry) => registry === first)).toBe(true);
	// Fresh again after that one read.
	await tenantRegistry(env.DB, tenant, stale + 1);
	expect(reads() - before).toBe(2);
});
