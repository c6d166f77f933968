/**
 * The tenant's list of namespaces in D1: one row per namespace a NamespaceObject has served or
 * an admin has configured, written once each. The limits themselves live in the object.
 */
import { and, asc, eq, gt } from "drizzle-orm";
import type { HistoryDb } from "./db";
import { namespaces } from "./schema";

export async function listNamespace(db: HistoryDb, tenant: string, namespace: string, now: number): Promise<void> {
	await db.insert(namespaces).values({ tenant_id: tenant, namespace, created_at: now }).onConflictDoNothing();
}

/** The tenant's namespaces in name order, after `after` (a cursor), at most `limit`. */
export async function findNamespaces(db: HistoryDb, tenant: string, limit: number, after?: string): Promise<string[]> {
	const where =
		after === undefined ? eq(namespaces.tenant_id, tenant) : and(eq(namespaces.tenant_id, tenant), gt(namespaces.namespace, after));
	const rows = await db
		.select({ namespace: namespaces.namespace })
		.from(namespaces)
		.where(where)
		.orderBy(asc(namespaces.namespace))
		.limit(limit);
	return rows.map((row) => row.namespace);
}

/** Every tenant's namespaces, for the service-wide scrape: at most `limit`, in (tenant, name) order. */
export async function findAllNamespaces(db: HistoryDb, limit: number): Promise<{ tenant: string; namespace: string }[]> {
	const rows = await db
		.select({ tenant: namespaces.tenant_id, namespace: namespaces.namespace })
		.from(namespaces)
		.orderBy(asc(namespaces.tenant_id), asc(namespaces.namespace))
		.limit(limit);
	return rows;
}
