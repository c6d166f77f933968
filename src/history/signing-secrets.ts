import { eq, sql } from "drizzle-orm";
import type { HistoryDb } from "./db";
import { signingSecrets } from "./schema";

export type SigningSecretRow = typeof signingSecrets.$inferSelect;

/**
 * The tenant's row, inserting one with `secret` when there is none. Two isolates racing on a
 * tenant's first use both read the one row that won (ON CONFLICT DO NOTHING).
 */
export async function ensureSigningSecret(db: HistoryDb, tenant: string, secret: string, now: number): Promise<SigningSecretRow> {
	const existing = await db.select().from(signingSecrets).where(eq(signingSecrets.tenant_id, tenant)).get();
	if (existing) {
		return existing;
	}
	await db.insert(signingSecrets).values({ tenant_id: tenant, secret, created_at: now }).onConflictDoNothing();
	const row = await db.select().from(signingSecrets).where(eq(signingSecrets.tenant_id, tenant)).get();
	if (!row) {
		throw new Error(`the signing secret of ${tenant} was inserted but cannot be read`);
	}
	return row;
}

/**
 * Makes `secret` the tenant's current secret and the one it replaces the previous, verifying
 * until `previousExpiresAt` (epoch ms). One statement: SQLite reads the old `secret` on the
 * right-hand side, so a concurrent rotation cannot lose the current secret. Null when the tenant
 * has no row yet (ensure it first).
 */
export async function rotateSigningSecret(
	db: HistoryDb,
	tenant: string,
	secret: string,
	now: number,
	previousExpiresAt: number,
): Promise<SigningSecretRow | null> {
	const row = await db
		.update(signingSecrets)
		.set({ previous_secret: sql`${signingSecrets.secret}`, previous_expires_at: previousExpiresAt, secret, rotated_at: now })
		.where(eq(signingSecrets.tenant_id, tenant))
		.returning()
		.get();
	return row ?? null;
}
