/**
 * API keys: issuing, listing and revoking them, and turning a presented bearer key into a
 * caller. Verification is on every request's path, so a key seen in the last minute is answered
 * from this isolate's cache without a D1 read; that minute is also how long a key revoked
 * through another isolate may keep working here.
 */
import { generateKey, hashKey, prefixOf, sameSecret } from "../auth/keys";
import type { Scope } from "../auth/scopes";
import type { RateLimit } from "../auth/token-bucket";
import { TtlCache } from "../auth/ttl-cache";
import { ApiError } from "../errors";
import { type ApiKeyRow, findApiKeyByPrefix, insertApiKey, listApiKeys, revokeApiKey, touchApiKey } from "../history/api-keys";
import { historyDb } from "../history/db";
import type { Caller } from "./tasks";

export const KEY_CACHE_TTL_MS = 60_000;
/** last_used_at is written at most this often per key. */
const TOUCH_INTERVAL_MS = 60_000;

/** The tenant the ADMIN_TOKEN acts as: no tenant name can be "*", so it owns no tasks. */
export const ROOT_TENANT = "*";

export interface ApiKeyView {
	id: string;
	tenant: string;
	name: string;
	prefix: string;
	scopes: Scope[];
	rate_limit: { per_second: number; burst: number } | null;
	created_at: string;
	last_used_at: string | null;
	revoked_at: string | null;
}

export interface VerifiedKey {
	id: string;
	caller: Caller;
	/** The key's own limit, or null for the deployment's default. */
	rateLimit: RateLimit | null;
}

interface CachedKey {
	row: ApiKeyRow | null;
	touchedAt: number;
}

const keyCache = new TtlCache<CachedKey>(KEY_CACHE_TTL_MS);

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function toView(row: ApiKeyRow): ApiKeyView {
	const limited = row.rate_limit_per_second !== null && row.rate_limit_burst !== null;
	return {
		id: row.id,
		tenant: row.tenant_id,
		name: row.name,
		prefix: row.prefix,
		scopes: JSON.parse(row.scopes) as Scope[],
		rate_limit: limited ? { per_second: row.rate_limit_per_second ?? 0, burst: row.rate_limit_burst ?? 0 } : null,
		created_at: new Date(row.created_at).toISOString(),
		last_used_at: iso(row.last_used_at),
		revoked_at: iso(row.revoked_at),
	};
}

/** The tenant whose keys a caller manages: the ADMIN_TOKEN must name one; a key manages its own. */
export function managedTenant(caller: Caller, requested: string | undefined): string {
	if (caller.tenant === ROOT_TENANT) {
		if (!requested) {
			throw new ApiError("VALIDATION_FAILED", "the admin token manages every tenant: name one", {
				errors: [{ path: "tenant", message: "required with the admin token" }],
			});
		}
		return requested;
	}
	if (requested !== undefined && requested !== caller.tenant) {
		throw new ApiError("FORBIDDEN", "a key manages the keys of its own tenant only");
	}
	return caller.tenant;
}

export interface CreateApiKeyInput {
	name: string;
	scopes: Scope[];
	rate_limit?: { per_second: number; burst: number };
}

export async function createApiKey(env: Env, tenant: string, input: CreateApiKeyInput, now = Date.now()) {
	const { key, prefix } = generateKey();
	const row: ApiKeyRow = {
		id: crypto.randomUUID(),
		tenant_id: tenant,
		name: input.name,
		prefix,
		hash: await hashKey(key),
		scopes: JSON.stringify([...new Set(input.scopes)]),
		rate_limit_per_second: input.rate_limit?.per_second ?? null,
		rate_limit_burst: input.rate_limit?.burst ?? null,
		created_at: now,
		last_used_at: null,
		revoked_at: null,
	};
	await insertApiKey(historyDb(env.DB), row);
	return { ...toView(row), key };
}

export async function listKeys(env: Env, tenant: string): Promise<ApiKeyView[]> {
	return (await listApiKeys(historyDb(env.DB), tenant)).map(toView);
}

/** Revokes at once in this isolate; other isolates stop accepting it within KEY_CACHE_TTL_MS. */
export async function revokeKey(env: Env, caller: Caller, id: string, now = Date.now()): Promise<ApiKeyView> {
	const tenant = caller.tenant === ROOT_TENANT ? null : caller.tenant;
	const row = await revokeApiKey(historyDb(env.DB), tenant, id, now);
	if (!row) {
		throw new ApiError("NOT_FOUND", "no API key with this id");
	}
	keyCache.delete(row.prefix);
	return toView(row);
}

const badKey = () =>
	new ApiError("UNAUTHORIZED", "this API key is not valid", {
		headers: { "WWW-Authenticate": 'Bearer realm="taskplane", error="invalid_token"' },
	});

/**
 * Turns a presented key into its caller, or throws 401. Unknown prefixes are cached too, so a
 * client retrying a wrong key costs one D1 read a minute, not one per request.
 */
export async function verifyKey(
	env: Env,
	ctx: { waitUntil(promise: Promise<unknown>): void },
	key: string,
	now = Date.now(),
): Promise<VerifiedKey> {
	const prefix = prefixOf(key);
	if (prefix === null) {
		throw badKey();
	}
	let cached = keyCache.get(prefix, now);
	if (!cached) {
		cached = { row: await findApiKeyByPrefix(historyDb(env.DB), prefix), touchedAt: 0 };
		keyCache.set(prefix, cached, now);
	}
	const row = cached.row;
	if (!row || row.revoked_at !== null || !sameSecret(await hashKey(key), row.hash)) {
		throw badKey();
	}
	if (now - cached.touchedAt >= TOUCH_INTERVAL_MS) {
		cached.touchedAt = now;
		ctx.waitUntil(
			touchApiKey(historyDb(env.DB), row.id, now, TOUCH_INTERVAL_MS).catch((error) =>
				console.error("taskplane: last_used_at not written", error),
			),
		);
	}
	const view = toView(row);
	return {
		id: row.id,
		caller: { tenant: row.tenant_id, actor: row.name, scopes: view.scopes },
		rateLimit: view.rate_limit ? { perSecond: view.rate_limit.per_second, burst: view.rate_limit.burst } : null,
	};
}
