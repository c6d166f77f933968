/**
 * The JSON body of `POST /v1/tasks/list`: our filter fields, and the forms Mixpeek's clients
 * send for the same route — `status` and `task_type` as single words, `filters: {AND:
 * [{field, operator, value}]}`, `sort: {field, direction}` — and `X-Namespace`. The core owns
 * this dialect (the route is ours and Mixpeek's at once); it only rewrites the body into our
 * fields, which TaskFiltersSchema then judges like any other list's. Query, body and header are
 * one request: a field given in two of them must say the same thing.
 */
import { z } from "@hono/zod-openapi";
import { STATUS_WORDS } from "../../contract/status-words";
import { TaskFilterFields } from "../../contract/task-filters";
import { ApiError, type FieldError } from "../../errors";
import type { TaskList } from "../../services/history";

const Condition = z.strictObject({ field: z.string(), operator: z.string(), value: z.unknown() });
const SORTABLE = ["created_at", "priority", "completed_at", "duration"] as const;
const WORDS = Object.keys(STATUS_WORDS).join(", ");

/** A word or a list of them; TaskFilterFields judges each word once the body is rewritten. */
const words = (description: string) =>
	z
		.union([z.string(), z.array(z.string())])
		.optional()
		.openapi({ description });

export const ListTasksBody = TaskFilterFields.extend({
	status: words(`Any of: ${WORDS}`),
	task_type: words("One type or a list"),
	filters: z
		.strictObject({ AND: z.array(Condition).max(32) })
		.optional()
		.openapi({ description: "Mixpeek's conditions; AND only: created_at gt/gte/lt/lte, namespace eq, status and task_type eq/in" }),
	sort: z.strictObject({ field: z.enum(SORTABLE), direction: z.enum(["asc", "desc"]).optional() }).optional(),
}).openapi("TaskFilters");

type Body = z.infer<typeof ListTasksBody>;

const invalid = (path: string, message: string) =>
	new ApiError("VALIDATION_FAILED", "the request body has invalid fields", { errors: [{ path, message }] });

const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);

/** Applies one `filters.AND` condition; what we cannot serve is a 422, never ignored. */
function applyCondition(fields: Record<string, unknown>, c: z.infer<typeof Condition>, i: number): void {
	const eqOrIn = c.operator === "eq" || c.operator === "in";
	if (c.field === "created_at" && ["gt", "gte", "lt", "lte"].includes(c.operator) && typeof c.value === "string") {
		fields[c.operator.startsWith("g") ? "created_after" : "created_before"] = c.value;
	} else if ((c.field === "status" || c.field === "task_type") && eqOrIn) {
		fields[c.field] = [...asList(fields[c.field] ?? []), ...asList(c.value)];
	} else if (c.field === "namespace" && c.operator === "eq" && typeof c.value === "string") {
		fields.namespace = c.value;
	} else {
		throw invalid(`filters.AND.${i}`, "supported: created_at gt/gte/lt/lte <ISO time>, namespace eq, status eq/in, task_type eq/in");
	}
}

/** Our filter fields from either dialect of the body. */
export function fieldsOfBody(body: Body): Record<string, unknown> {
	const { filters, sort, ...rest } = body;
	const fields: Record<string, unknown> = { ...rest };
	for (const [i, condition] of (filters?.AND ?? []).entries()) {
		applyCondition(fields, condition, i);
	}
	if (sort !== undefined) {
		fields.order_by = sort.direction === "asc" ? sort.field : `-${sort.field}`;
	}
	for (const name of ["status", "task_type"] as const) {
		if (fields[name] !== undefined) {
			fields[name] = asList(fields[name]);
		}
	}
	return fields;
}

/**
 * One set of fields from several parts of the request. A field in two parts must have the same
 * value in both: a query parameter is never dropped in favour of the body, nor the reverse.
 */
export function mergeParts(parts: { where: string; fields: Record<string, unknown> }[]): Record<string, unknown> {
	const merged: Record<string, unknown> = {};
	const from: Record<string, string> = {};
	const errors: FieldError[] = [];
	for (const { where, fields } of parts) {
		for (const [name, value] of Object.entries(fields)) {
			if (value === undefined) {
				continue;
			}
			if (name in merged && JSON.stringify(merged[name]) !== JSON.stringify(value)) {
				errors.push({
					path: name,
					message: `the ${from[name]} and the ${where} disagree (${JSON.stringify(merged[name])} and ${JSON.stringify(value)}): give it once`,
				});
				continue;
			}
			merged[name] = value;
			from[name] ??= where;
		}
	}
	if (errors.length > 0) {
		throw new ApiError("VALIDATION_FAILED", "a field was given twice with different values", { errors });
	}
	return merged;
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
