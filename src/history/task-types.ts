/** A tenant's own task types (the `task_types` table). */
import { and, eq, isNotNull } from "drizzle-orm";
import type { TenantTaskType } from "../execute/task-types";
import type { HistoryDb } from "./db";
import { taskTypes } from "./schema";

export interface TenantTypeRows {
	types: TenantTaskType[];
	/** Rows exist, deleted ones included: the tenant has defined a type at some time. */
	customised: boolean;
}

/** Every definition of the tenant, in type order, and whether it ever had one. */
export async function findTenantTaskTypes(db: HistoryDb, tenant: string): Promise<TenantTypeRows> {
	const rows = await db.select().from(taskTypes).where(eq(taskTypes.tenant_id, tenant)).orderBy(taskTypes.type).all();
	const types = rows.flatMap((row) => (row.definition === null ? [] : [JSON.parse(row.definition) as TenantTaskType]));
	return { types, customised: rows.length > 0 };
}

/** Stores `definition` as the tenant's type of that name, replacing any earlier one. */
export async function saveTenantTaskType(db: HistoryDb, tenant: string, definition: TenantTaskType, now: number): Promise<void> {
	const values = { definition: JSON.stringify(definition), updated_at: now };
	await db
		.insert(taskTypes)
		.values({ tenant_id: tenant, type: definition.type, ...values })
		.onConflictDoUpdate({ target: [taskTypes.tenant_id, taskTypes.type], set: values });
}

/** Deletes the tenant's definition (keeping the row as a tombstone). False when it had none. */
export async function deleteTenantTaskType(db: HistoryDb, tenant: string, type: string, now: number): Promise<boolean> {
	const row = await db
		.update(taskTypes)
		.set({ definition: null, updated_at: now })
		.where(and(eq(taskTypes.tenant_id, tenant), eq(taskTypes.type, type), isNotNull(taskTypes.definition)))
		.returning({ type: taskTypes.type })
		.get();
	return row !== undefined;
}
