/**
 * Mixpeek's `POST /v1/tasks/list` over ours: the same route and resource, so this only widens
 * what the body may say and what the answer carries. The body may use Mixpeek's forms — `status`
 * and `task_type` as single words (its whole status enum; see vocabulary.ts), `filters:
 * {AND: [{field, operator, value}]}` on created_at, namespace, status and task_type, `sort:
 * {field, direction}` — and its paging in the query (`limit`, `offset`, `cursor`, `page`,
 * `page_size`); the namespace may come as the `X-Namespace` header. The answer adds Mixpeek's
 * `results` and `pagination` beside our `tasks`, `total` and `next_cursor`.
 */
import { z } from "@hono/zod-openapi";
import { ApiError } from "../../errors";
import type { TaskList } from "../../services/history";
import { statusesOfWord } from "./vocabulary";

const Condition = z.object({ field: z.string(), operator: z.string(), value: z.unknown() });

/** Documents Mixpeek's body; loose, because the list route validates the translated filters. */
export const MixpeekListBody = z
	.looseObject({
		status: z.string().optional().openapi({ description: "One word of Mixpeek's TaskStatusEnum" }),
		task_type: z.string().optional(),
		filters: z.looseObject({ AND: z.array(Condition).optional() }).optional(),
		sort: z.object({ field: z.string(), direction: z.enum(["asc", "desc"]).optional() }).optional(),
	})
	.openapi("MixpeekListTasks");

const invalid = (path: string, message: string) =>
	new ApiError("VALIDATION_FAILED", `the request body has invalid fields`, { errors: [{ path, message }] });

const SORTABLE = new Set(["created_at", "priority", "completed_at", "duration"]);

function words(value: unknown): string[] {
	return (Array.isArray(value) ? value : [value]).map(String);
}

/** Applies one `filters.AND` condition to the body; what we cannot serve is a 422, never ignored. */
function applyCondition(body: Record<string, unknown>, c: z.infer<typeof Condition>, i: number): void {
	const where = `filters.AND.${i}`;
	const eqOrIn = c.operator === "eq" || c.operator === "in";
	if (c.field === "created_at" && ["gt", "gte", "lt", "lte"].includes(c.operator) && typeof c.value === "string") {
		body[c.operator.startsWith("g") ? "created_after" : "created_before"] = c.value;
	} else if ((c.field === "status" || c.field === "task_type") && eqOrIn) {
		body[c.field] = [...(body[c.field] === undefined ? [] : words(body[c.field])), ...words(c.value)];
	} else if (c.field === "namespace" && c.operator === "eq" && typeof c.value === "string") {
		body.namespace = c.value;
	} else {
		throw invalid(where, "supported: created_at gt/gte/lt/lte <ISO time>, namespace eq, status eq/in, task_type eq/in");
	}
}

/**
 * Our TaskFilters body from either dialect, and whether it can match anything at all (a Mixpeek
 * lifecycle word such as ARCHIVED names no task state).
 */
export function fromMixpeekList(
	input: Record<string, unknown>,
	query: Record<string, string>,
	namespaceHeader: string | undefined,
): { body: Record<string, unknown>; matchesNothing: boolean } {
	const { filters, sort, search, ...body } = input;
	if (search !== undefined) {
		throw invalid("search", "free-text search is not offered; filter by task_name (a prefix ends in *)");
	}
	if (filters !== undefined) {
		const { AND = [], OR, NOT } = filters as { AND?: unknown[]; OR?: unknown; NOT?: unknown };
		if (OR !== undefined || NOT !== undefined) {
			throw invalid("filters", "only AND conditions are supported");
		}
		for (const [i, raw] of AND.entries()) {
			const condition = Condition.safeParse(raw);
			if (!condition.success) {
				throw invalid(`filters.AND.${i}`, "a condition is {field, operator, value}");
			}
			applyCondition(body, condition.data, i);
		}
	}
	if (sort !== undefined) {
		const { field, direction } = sort as { field: string; direction?: string };
		if (!SORTABLE.has(field)) {
			throw invalid("sort.field", `one of ${[...SORTABLE].join(", ")}`);
		}
		body.order_by = direction === "asc" ? field : `-${field}`;
	}
	let matchesNothing = false;
	if (body.status !== undefined) {
		// Words Mixpeek has become our statuses; any other word stays for the list's own 422.
		const status = words(body.status).flatMap((word): readonly string[] => statusesOfWord("mixpeek", word) ?? [word]);
		matchesNothing = status.length === 0;
		body.status = [...new Set(status)];
	}
	if (typeof body.task_type === "string") {
		body.task_type = [body.task_type];
	}
	if (body.namespace === undefined && namespaceHeader) {
		body.namespace = namespaceHeader;
	}
	pagingFromQuery(body, query);
	return { body, matchesNothing };
}

function pagingFromQuery(body: Record<string, unknown>, query: Record<string, string>): void {
	const int = (name: string) => (query[name] !== undefined && /^\d+$/.test(query[name]) ? Number(query[name]) : query[name]);
	for (const name of ["limit", "offset"] as const) {
		if (query[name] !== undefined && body[name] === undefined) {
			body[name] = int(name);
		}
	}
	if (query.cursor !== undefined && body.cursor === undefined) {
		body.cursor = query.cursor;
	}
	if (query.page_size !== undefined && body.limit === undefined) {
		body.limit = int("page_size");
	}
	if (query.page !== undefined && body.offset === undefined) {
		const page = Number(query.page);
		const size = typeof body.limit === "number" ? body.limit : 50;
		body.offset = Number.isInteger(page) && page >= 1 ? (page - 1) * size : query.page;
	}
}

export const MixpeekPagination = z.object({
	total: z.number().int(),
	page: z.number().int(),
	page_size: z.number().int(),
	total_pages: z.number().int(),
	next_cursor: z.string().nullable(),
});

/** Mixpeek's names for the same page. */
export function mixpeekPage(page: TaskList) {
	return {
		results: page.tasks,
		pagination: {
			total: page.total,
			page: Math.floor(page.offset / page.limit) + 1,
			page_size: page.limit,
			total_pages: Math.ceil(page.total / page.limit),
			next_cursor: page.next_cursor,
		},
	};
}
