/**
 * The `/api/tasks` filters: Mindia's (status, type, start_date, end_date, limit, offset) and
 * the Celery manager's (task_type, state, company_id, tenant_id, created_by_id, hours_ago,
 * order_by), mapped onto the history filters. `tenant_id` and `company_id` are the Celery
 * manager's own fields, kept in the task's metadata — never our auth tenant.
 */
import { z } from "@hono/zod-openapi";
import { queryNumber } from "../../../contract/query";
import { ApiError } from "../../../errors";
import type { TaskFilters } from "../../../services/history";
import type { StatsFilters } from "../../../services/history-stats";
import { bothApply } from "../shared";
import { statusesFor } from "../vocabulary";

const words = z
	.union([z.string(), z.array(z.string())])
	.optional()
	.openapi({ description: "One value, repeated, or comma-separated" });
const time = z.union([z.iso.datetime({ offset: true }), z.iso.date()]).optional();

export const ApiTaskFilterQuery = z.object({
	status: words.openapi({ description: "Mindia: pending, scheduled, queued, processing, completed, failed, cancelled" }),
	state: words.openapi({ description: "Celery: PENDING, STARTED, RETRY, SUCCESS, FAILURE, REVOKED" }),
	type: words.openapi({ description: "Mindia's word for task_type" }),
	task_type: words,
	start_date: time.openapi({ description: "Created at or after" }),
	end_date: time.openapi({ description: "Created before" }),
	hours_ago: queryNumber(z.number().positive()).optional(),
	company_id: z.string().min(1).optional().openapi({ description: "metadata.company_id" }),
	tenant_id: z.string().min(1).optional().openapi({ description: "metadata.tenant_id (not the caller's tenant)" }),
	created_by_id: z.string().min(1).optional(),
});

export const ApiTaskListQuery = ApiTaskFilterQuery.extend({
	order_by: z
		.string()
		.optional()
		.openapi({ description: "created_at, -created_at (default), priority, completed_at (or finished_at), duration; - for descending" }),
	limit: queryNumber(z.number().int().min(1))
		.optional()
		.openapi({ description: "At most 100: more is clamped to 100, as Mindia documents" }),
	offset: queryNumber(z.number().int().min(0)).default(0),
});

type FilterQuery = z.infer<typeof ApiTaskFilterQuery>;

function list(value: string | string[] | undefined): string[] | undefined {
	if (value === undefined) {
		return undefined;
	}
	const all = (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(",")).map((w) => w.trim());
	const nonEmpty = all.filter((w) => w.length > 0);
	return nonEmpty.length > 0 ? nonEmpty : undefined;
}

const ORDERS: Record<string, TaskFilters["order_by"]> = {
	created_at: "created_at",
	"-created_at": "-created_at",
	priority: "priority",
	"-priority": "-priority",
	completed_at: "completed_at",
	"-completed_at": "-completed_at",
	finished_at: "completed_at",
	"-finished_at": "-completed_at",
	duration: "duration",
	"-duration": "-duration",
};

export function orderOf(orderBy: string | undefined): TaskFilters["order_by"] {
	if (orderBy === undefined) {
		return undefined;
	}
	const order = Object.hasOwn(ORDERS, orderBy) ? ORDERS[orderBy] : undefined;
	if (!order) {
		throw new ApiError("VALIDATION_FAILED", "unknown order_by", {
			errors: [{ path: "order_by", message: `expected one of ${Object.keys(ORDERS).join(", ")}` }],
		});
	}
	return order;
}

/** The history filters these words ask for; an empty status or type list matches nothing. */
export function filtersOf(q: FilterQuery): Omit<TaskFilters, "limit"> {
	const byStatus = list(q.status);
	const byState = list(q.state);
	const status = bothApply(byStatus && statusesFor("status", byStatus, "status"), byState && statusesFor("celery", byState, "state"));
	const taskType = bothApply(list(q.type), list(q.task_type));
	const metadata: Record<string, string> = {};
	if (q.company_id !== undefined) {
		metadata.company_id = q.company_id;
	}
	if (q.tenant_id !== undefined) {
		metadata.tenant_id = q.tenant_id;
	}
	return {
		...(status ? { status } : {}),
		...(taskType ? { task_type: taskType } : {}),
		...(Object.keys(metadata).length > 0 ? { metadata } : {}),
		...(q.created_by_id !== undefined ? { created_by: q.created_by_id } : {}),
		...(q.start_date !== undefined ? { created_after: q.start_date } : {}),
		...(q.end_date !== undefined ? { created_before: q.end_date } : {}),
		...(q.hours_ago !== undefined ? { hours_ago: q.hours_ago } : {}),
	};
}

/** The statistics' filters: type (Mindia) or task_type (Celery manager), namespace, company_id, hours_ago. */
export const StatsQuery = z.object({
	type: words.openapi({ description: "Mindia's word for task_type" }),
	task_type: words,
	namespace: z.string().min(1).max(64).optional(),
	hours_ago: queryNumber(
		z
			.number()
			.positive()
			.max(24 * 366),
	).optional(),
	company_id: z.string().min(1).optional().openapi({ description: "metadata.company_id" }),
});

export function statsFiltersOf(q: z.infer<typeof StatsQuery>, defaultHours: number | null): StatsFilters {
	const taskType = bothApply(list(q.type), list(q.task_type));
	if (taskType?.length === 0) {
		throw new ApiError("VALIDATION_FAILED", "type and task_type name no type in common", {
			errors: [{ path: "task_type", message: "give one of type and task_type, or the same types in both" }],
		});
	}
	return {
		...(taskType ? { task_type: taskType } : {}),
		...(q.namespace !== undefined ? { namespace: q.namespace } : {}),
		...(q.company_id !== undefined ? { metadata: { company_id: q.company_id } } : {}),
		hours_ago: q.hours_ago ?? defaultHours,
	};
}
