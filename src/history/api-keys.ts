import { and, desc, eq, isNull, lt, or } from "drizzle-orm";
import type { HistoryDb } from "./db";
import { apiKeys } from "./schema";

export type ApiKeyRow = typeof apiKeys.$inferSelect;

export async function insertApiKey(db: HistoryDb, row: ApiKeyRow): Promise<void> {
	await db.insert(apiKeys).values(row);
}

export async function findApiKeyByPrefix(db: HistoryDb, prefix: string): Promise<ApiKeyRow | null> {
	return (await db.select().from(apiKeys).where(eq(apiKeys.prefix, prefix)).get()) ?? null;
}

export async function listApiKeys(db: HistoryDb, tenant: string): Promise<ApiKeyRow[]> {
	return db.select().from(apiKeys).where(eq(apiKeys.tenant_id, tenant)).orderBy(desc(apiKeys.created_at)).all();
}

/** Revokes a key of `tenant` (any tenant when null); the first revocation time is kept. */
export async function revokeApiKey(db: HistoryDb, tenant: string | null, id: string, now: number): Promise<ApiKeyRow | null> {
	const owned = tenant === null ? eq(apiKeys.id, id) : and(eq(apiKeys.id, id), eq(apiKeys.tenant_id, tenant));
	await db
		.update(apiKeys)
		.set({ revoked_at: now })
		.where(and(owned, isNull(apiKeys.revoked_at)));
	return (await db.select().from(apiKeys).where(owned).get()) ?? null;
}

/**
 * Records use at most once a minute per key across all isolates: the condition makes a second
 * isolate's write within the minute a no-op that writes no row.
 */
export async function touchApiKey(db: HistoryDb, id: string, now: number, minIntervalMs: number): Promise<void> {
	await db
		.update(apiKeys)
		.set({ last_used_at: now })
		.where(and(eq(apiKeys.id, id), or(isNull(apiKeys.last_used_at), lt(apiKeys.last_used_at, now - minIntervalMs))));
}
