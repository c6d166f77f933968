import { and, desc, eq } from "drizzle-orm";
import type { HistoryDb } from "./db";
import { messages } from "./schema";

export interface Message {
	id: number;
	content: string;
	task_id: string | null;
	created_at: string;
}

function toMessage(row: typeof messages.$inferSelect): Message {
	return { id: row.id, content: row.content, task_id: row.task_id, created_at: new Date(row.created_at).toISOString() };
}

/** Keyed by task: a second insert for the same task writes nothing and answers the first row. */
export async function insertMessage(db: HistoryDb, tenant: string, taskId: string, content: string, now: number): Promise<Message> {
	const inserted = await db
		.insert(messages)
		.values({ tenant_id: tenant, task_id: taskId, content, created_at: now })
		.onConflictDoNothing()
		.returning()
		.get();
	const row =
		inserted ??
		(await db
			.select()
			.from(messages)
			.where(and(eq(messages.tenant_id, tenant), eq(messages.task_id, taskId)))
			.get());
	if (!row) {
		throw new Error(`message of task ${taskId} neither inserted nor found`);
	}
	return toMessage(row);
}

export async function listMessages(db: HistoryDb, tenant: string, limit: number, offset: number): Promise<Message[]> {
	const rows = await db
		.select()
		.from(messages)
		.where(and(eq(messages.tenant_id, tenant)))
		.orderBy(desc(messages.id))
		.limit(limit)
		.offset(offset);
	return rows.map(toMessage);
}
