/** What the list routes share: the response, and turning a query string into TaskFilters. */
import { z } from "@hono/zod-openapi";
import { numberOrText } from "../../contract/query";
import { STATUS_WORDS } from "../../contract/status-words";
import { DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT, type TaskFilters, TaskFiltersSchema } from "../../contract/task-filters";
import { ApiError, fieldErrorsOf } from "../../errors";

export { TaskListSchema } from "../../contract/pages";

const LISTS = new Set(["status", "task_type"]);
const NUMBERS = new Set(["limit", "offset", "hours_ago", "page", "page_size"]);
/** Names other systems use for the same filters. */
const ALIASES: Record<string, string> = { start_date: "created_after", end_date: "created_before" };

/**
 * The query string as a TaskFilters body: `status=A&status=B` or `status=A,B`, `metadata.k=v`
 * for each metadata pair, start_date / end_date for the created window.
 */
export function filtersFromQuery(queries: Record<string, string[]>): Record<string, unknown> {
	const body: Record<string, unknown> = {};
	const metadata: Record<string, string> = {};
	for (const [name, values] of Object.entries(queries)) {
		const last = values.at(-1) ?? "";
		if (name.startsWith("metadata.")) {
			metadata[name.slice("metadata.".length)] = last;
		} else if (LISTS.has(name)) {
			body[name] = values.flatMap((v) => v.split(",").map((s) => s.trim())).filter((s) => s !== "");
		} else if (NUMBERS.has(name)) {
			body[name] = numberOrText(last);
		} else {
			body[ALIASES[name] ?? name] = last;
		}
	}
	if (Object.keys(metadata).length > 0) {
		body.metadata = metadata;
	}
	return body;
}

/** Validates filters; where a field is wrong it is a 422 naming the field. */
export function parseFilters<T extends z.ZodType>(schema: T, body: unknown, where: string): z.output<T> {
	const parsed = schema.safeParse(body);
	if (!parsed.success) {
		throw new ApiError("VALIDATION_FAILED", `the ${where} has invalid fields`, { errors: fieldErrorsOf(parsed.error.issues) });
	}
	return parsed.data;
}

export const parseTaskFilters = (body: unknown, where: string): TaskFilters => parseFilters(TaskFiltersSchema, body, where);

/** Documents the query parameters of GET /v1/tasks; parseTaskFilters does the validating. */
export const ListQueryDoc = z.looseObject({
	status: z
		.union([z.string(), z.array(z.string())])
		.optional()
		.openapi({
			description: `Repeat it or separate with commas: status=FAILED,CANCELED. Words: ${Object.keys(STATUS_WORDS).join(", ")}`,
		}),
	task_type: z.union([z.string(), z.array(z.string())]).optional(),
	task_name: z.string().optional().openapi({ description: "Exact, or a prefix ending in *: etl.*" }),
	namespace: z.string().optional(),
	created_by: z.string().optional(),
	created_after: z.string().optional().openapi({ description: "ISO 8601, inclusive; alias start_date" }),
	created_before: z.string().optional().openapi({ description: "ISO 8601, exclusive; alias end_date" }),
	hours_ago: z.string().optional(),
	order_by: z
		.string()
		.optional()
		.openapi({ description: "created_at, -created_at (default), priority, -priority, completed_at, -completed_at, duration, -duration" }),
	limit: z
		.string()
		.optional()
		.openapi({ description: `1 to ${MAX_LIST_LIMIT}, default ${DEFAULT_LIST_LIMIT}` }),
	offset: z.string().optional(),
	page: z.string().optional().openapi({ description: "1-based page of `limit` (or `page_size`) tasks; instead of offset" }),
	page_size: z.string().optional().openapi({ description: "Another name for limit" }),
	cursor: z.string().optional(),
});
