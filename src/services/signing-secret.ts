/**
 * A tenant's signing secret: shown to its admins, rotated by them, and read by every sender
 * that signs for the tenant (push attempts now, callbacks next). Created on first use.
 */
import { newSigningSecret } from "../execute/signing";
import { historyDb } from "../history/db";
import { ensureSigningSecret, rotateSigningSecret, type SigningSecretRow } from "../history/signing-secrets";

/** How long the secret a rotation replaces still signs beside the new one (ms). */
export const ROTATION_OVERLAP_MS = 24 * 3600 * 1000;

export interface SigningSecretView {
	/** `whsec_<base64>`: give it to your receivers' `new Webhook(secret)`. */
	secret: string;
	created_at: string;
	rotated_at: string | null;
	/** Until when the secret replaced by the last rotation still signs too; null when none does. */
	previous_expires_at: string | null;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function previousVerifies(row: SigningSecretRow, now: number): boolean {
	return row.previous_secret !== null && row.previous_expires_at !== null && row.previous_expires_at > now;
}

function toView(row: SigningSecretRow, now: number): SigningSecretView {
	return {
		secret: row.secret,
		created_at: new Date(row.created_at).toISOString(),
		rotated_at: iso(row.rotated_at),
		previous_expires_at: previousVerifies(row, now) ? iso(row.previous_expires_at) : null,
	};
}

export async function getSigningSecret(env: Env, tenant: string, now = Date.now()): Promise<SigningSecretView> {
	return toView(await ensureSigningSecret(historyDb(env.DB), tenant, newSigningSecret(), now), now);
}

/** Replaces the tenant's secret; the one it replaces keeps signing for ROTATION_OVERLAP_MS. */
export async function rotateTenantSigningSecret(env: Env, tenant: string, now = Date.now()): Promise<SigningSecretView> {
	const db = historyDb(env.DB);
	await ensureSigningSecret(db, tenant, newSigningSecret(), now);
	const row = await rotateSigningSecret(db, tenant, newSigningSecret(), now, now + ROTATION_OVERLAP_MS);
	if (!row) {
		throw new Error(`the signing secret of ${tenant} vanished during its rotation`);
	}
	return toView(row, now);
}

/** The secrets that sign a request sent for `tenant` now: the current one first, then the previous while it overlaps. */
export async function signingSecretsOf(env: Env, tenant: string, now = Date.now()): Promise<string[]> {
	const row = await ensureSigningSecret(historyDb(env.DB), tenant, newSigningSecret(), now);
	return previousVerifies(row, now) && row.previous_secret !== null ? [row.secret, row.previous_secret] : [row.secret];
}
