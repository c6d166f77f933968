/** Comparing a drizzle statement with the SQL a migration file holds, params inlined. */
import { env } from "cloudflare:workers";

export function inlinedSql(query: { toSQL(): { sql: string; params: unknown[] } }): string {
	const { sql, params } = query.toSQL();
	let next = 0;
	return sql.replace(/\?/g, () => String(params[next++])).replace(/\s+/g, " ");
}

/** The statements of the latest migration whose name contains `name`, comments and whitespace folded. */
export function latestMigrationQueries(name: string): string[] | undefined {
	return env.TEST_MIGRATIONS.findLast((m) => m.name.includes(name))?.queries.map((q) =>
		q
			.replace(/--[^\n]*\n/g, "")
			.replace(/\s+/g, " ")
			.trim()
			.replace(/;$/, ""),
	);
}
