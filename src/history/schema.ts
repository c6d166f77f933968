/**
 * D1 holds history: one row per task (its latest snapshot, indexed for the API's filters) and
 * the tables later features need. Migrations are generated from this file by drizzle-kit.
 */
import { index, integer, real, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const tasks = sqliteTable(
	"tasks",
	{
		task_id: text().primaryKey(),
		tenant_id: text().notNull(),
		task_name: text().notNull(),
		task_type: text().notNull(),
		namespace: text().notNull(),
		status: text().notNull(),
		priority: integer().notNull(),
		attempt: integer().notNull(),
		retry_count: integer().notNull(),
		error_code: text(),
		created_by: text(),
		/** Epoch milliseconds: integers sort and range-scan cheaply in an index. */
		created_at: integer().notNull(),
		completed_at: integer(),
		duration_seconds: real(),
		/** Flat string map as JSON; filters read it with json_extract. */
		metadata: text().notNull(),
		/** The full task resource as JSON, so a history read needs no other source. */
		snapshot: text().notNull(),
		/** The object's version of that snapshot: writes only ever move it forward. */
		version: integer().notNull(),
	},
	(t) => [
		index("tasks_tenant_created").on(t.tenant_id, t.created_at),
		index("tasks_tenant_status_created").on(t.tenant_id, t.status, t.created_at),
	],
);

export const messages = sqliteTable("messages", {
	id: integer().primaryKey({ autoIncrement: true }),
	tenant_id: text().notNull(),
	task_id: text(),
	content: text().notNull(),
	created_at: integer().notNull(),
});
