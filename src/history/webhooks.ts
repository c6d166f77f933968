/**
 * Webhook subscriptions and their delivery log in D1. Every query names the tenant, so no id
 * reaches another tenant's rows.
 */
import { and, desc, eq, inArray, isNull, lt, or, type SQL, sql } from "drizzle-orm";
import type { HistoryDb } from "./db";
import { webhookDeliveries, webhookSubscriptions } from "./schema";

export type SubscriptionRow = typeof webhookSubscriptions.$inferSelect;
export type DeliveryRow = typeof webhookDeliveries.$inferSelect;

const owned = (tenant: string, id: string) => and(eq(webhookSubscriptions.tenant_id, tenant), eq(webhookSubscriptions.id, id));

export async function insertSubscription(db: HistoryDb, row: SubscriptionRow): Promise<void> {
	await db.insert(webhookSubscriptions).values(row);
}

export async function listSubscriptions(db: HistoryDb, tenant: string): Promise<SubscriptionRow[]> {
	return db
		.select()
		.from(webhookSubscriptions)
		.where(eq(webhookSubscriptions.tenant_id, tenant))
		.orderBy(desc(webhookSubscriptions.created_at))
		.all();
}

/** The subscriptions that may receive events now (not disabled). */
export async function activeSubscriptions(db: HistoryDb, tenant: string): Promise<SubscriptionRow[]> {
	return db
		.select()
		.from(webhookSubscriptions)
		.where(and(eq(webhookSubscriptions.tenant_id, tenant), isNull(webhookSubscriptions.disabled_at)))
		.all();
}

export async function findSubscription(db: HistoryDb, tenant: string, id: string): Promise<SubscriptionRow | null> {
	return (await db.select().from(webhookSubscriptions).where(owned(tenant, id)).get()) ?? null;
}

export async function updateSubscription(
	db: HistoryDb,
	tenant: string,
	id: string,
	fields: Partial<Omit<SubscriptionRow, "id" | "tenant_id" | "created_at">>,
): Promise<SubscriptionRow | null> {
	return (await db.update(webhookSubscriptions).set(fields).where(owned(tenant, id)).returning().get()) ?? null;
}

/** Makes `secret` current; the replaced one signs beside it until `previousExpiresAt` (one statement, as signing-secrets.ts). */
export async function rotateSubscriptionSecret(
	db: HistoryDb,
	tenant: string,
	id: string,
	secret: string,
	now: number,
	previousExpiresAt: number,
): Promise<SubscriptionRow | null> {
	const row = await db
		.update(webhookSubscriptions)
		.set({ previous_secret: sql`${webhookSubscriptions.secret}`, previous_expires_at: previousExpiresAt, secret, updated_at: now })
		.where(owned(tenant, id))
		.returning()
		.get();
	return row ?? null;
}

export async function deleteSubscription(db: HistoryDb, tenant: string, id: string): Promise<boolean> {
	const deleted = await db.delete(webhookSubscriptions).where(owned(tenant, id)).returning({ id: webhookSubscriptions.id }).all();
	return deleted.length > 0;
}

/** The outcome of one try, to be written with `saveTries`. */
export interface TryWrite {
	row: Omit<DeliveryRow, "attempts">;
	/** The subscription whose health the try counts for (null: a callback or a ping, which count for none). */
	health: { subscription_id: string; ok: boolean; disable_after_ms: number; reason: string } | null;
}

/**
 * Records tries in one batch: each delivery row is inserted with attempts 1 or, when it exists,
 * updated with attempts + 1; each subscription's `failing_since` is cleared by a success or set
 * by a first failure, and a failure `disable_after_ms` after `failing_since` disables it.
 * Returns the rows D1 wrote.
 */
export async function saveTries(db: HistoryDb, tenant: string, tries: readonly TryWrite[], now: number): Promise<number> {
	if (tries.length === 0) {
		return 0;
	}
	const statements = tries.flatMap(({ row, health }) => {
		const { id: _id, tenant_id: _tenant, created_at: _created, subscription_id: _sub, event_id: _event, ...changing } = row;
		const upsert = db
			.insert(webhookDeliveries)
			.values({ ...row, tenant_id: tenant, attempts: 1 })
			.onConflictDoUpdate({
				target: webhookDeliveries.id,
				set: { ...changing, attempts: sql`${webhookDeliveries.attempts} + 1` },
				where: eq(webhookDeliveries.tenant_id, tenant),
			});
		return health === null ? [upsert] : [upsert, healthUpdate(db, tenant, health, now)];
	});
	const results = (await db.batch(statements as [(typeof statements)[number], ...(typeof statements)[number][]])) as {
		meta?: { rows_written?: number };
	}[];
	return results.reduce((sum, r) => sum + (r.meta?.rows_written ?? 0), 0);
}

function healthUpdate(db: HistoryDb, tenant: string, health: NonNullable<TryWrite["health"]>, now: number) {
	const s = webhookSubscriptions;
	if (health.ok) {
		// Most successes change nothing: the condition makes them write no row.
		return db
			.update(s)
			.set({ failing_since: null })
			.where(and(owned(tenant, health.subscription_id), sql`${s.failing_since} IS NOT NULL`));
	}
	// Every right-hand side reads the row as it was before this statement.
	const expired = sql`${s.failing_since} IS NOT NULL AND ${now} - ${s.failing_since} >= ${health.disable_after_ms}`;
	return db
		.update(s)
		.set({
			failing_since: sql`coalesce(${s.failing_since}, ${now})`,
			disabled_at: sql`CASE WHEN ${s.disabled_at} IS NULL AND ${expired} THEN ${now} ELSE ${s.disabled_at} END`,
			disabled_reason: sql`CASE WHEN ${s.disabled_at} IS NULL AND ${expired} THEN ${health.reason} ELSE ${s.disabled_reason} END`,
		})
		.where(owned(tenant, health.subscription_id));
}

/** The statuses of those of `ids` that exist (a repeated event message skips what went already). */
export async function deliveryStatuses(db: HistoryDb, tenant: string, ids: readonly string[]): Promise<Map<string, string>> {
	if (ids.length === 0) {
		return new Map();
	}
	const rows = await db
		.select({ id: webhookDeliveries.id, status: webhookDeliveries.status })
		.from(webhookDeliveries)
		.where(and(eq(webhookDeliveries.tenant_id, tenant), inArray(webhookDeliveries.id, [...ids])))
		.all();
	return new Map(rows.map((r) => [r.id, r.status]));
}

export async function findDelivery(db: HistoryDb, tenant: string, id: string): Promise<DeliveryRow | null> {
	return (
		(await db
			.select()
			.from(webhookDeliveries)
			.where(and(eq(webhookDeliveries.tenant_id, tenant), eq(webhookDeliveries.id, id)))
			.get()) ?? null
	);
}

/** A redelivery is on its way: the row says so until its try is recorded. */
export async function markDeliveryPending(db: HistoryDb, tenant: string, id: string, now: number): Promise<DeliveryRow | null> {
	return (
		(await db
			.update(webhookDeliveries)
			.set({ status: "pending", next_attempt_at: now })
			.where(and(eq(webhookDeliveries.tenant_id, tenant), eq(webhookDeliveries.id, id)))
			.returning()
			.get()) ?? null
	);
}

/**
 * Undoes `markDeliveryPending(…, now)` when the redelivery it announced could not be queued: the
 * row gets back its status and next try, unless something has written it since (a consumer's try).
 */
export async function unmarkDeliveryPending(db: HistoryDb, tenant: string, before: DeliveryRow, now: number): Promise<void> {
	const d = webhookDeliveries;
	await db
		.update(d)
		.set({ status: before.status, next_attempt_at: before.next_attempt_at })
		.where(and(eq(d.tenant_id, tenant), eq(d.id, before.id), eq(d.status, "pending"), eq(d.next_attempt_at, now)))
		.run();
}

export interface DeliveryQuery {
	status?: readonly string[];
	event_type?: readonly string[];
	task_id?: string;
	limit: number;
	/** Keyset: the last row of the previous page. */
	after?: { created_at: number; id: string };
}

/** A subscription's deliveries, newest first, through its (tenant, subscription, created_at) index. */
export async function listDeliveries(db: HistoryDb, tenant: string, subscriptionId: string, q: DeliveryQuery): Promise<DeliveryRow[]> {
	const d = webhookDeliveries;
	const where: (SQL | undefined)[] = [eq(d.tenant_id, tenant), eq(d.subscription_id, subscriptionId)];
	if (q.status?.length) {
		where.push(inArray(d.status, [...q.status]));
	}
	if (q.event_type?.length) {
		where.push(inArray(d.event_type, [...q.event_type]));
	}
	if (q.task_id !== undefined) {
		where.push(eq(d.task_id, q.task_id));
	}
	if (q.after) {
		where.push(or(lt(d.created_at, q.after.created_at), and(eq(d.created_at, q.after.created_at), lt(d.id, q.after.id))));
	}
	return db
		.select()
		.from(d)
		.where(and(...where))
		.orderBy(desc(d.created_at), desc(d.id))
		.limit(q.limit)
		.all();
}

/**
 * Retention: up to `limit` deliveries created before `cutoff` go, as task history does; returns
 * how many. No created_at index (a row written per delivery): rows are inserted in time order,
 * so the scan in rowid order finds the expired ones first and stops at the limit.
 */
export async function deleteDeliveriesBefore(db: HistoryDb, cutoff: number, limit: number): Promise<number> {
	const d = webhookDeliveries;
	const result = await db.delete(d).where(sql`rowid IN (SELECT rowid FROM ${d} WHERE ${lt(d.created_at, cutoff)} LIMIT ${limit})`);
	return result.meta.changes ?? 0;
}
