import { z } from "@hono/zod-openapi";
import { EXECUTION_MODES, MAX_BUILTIN_TIMEOUT_SECONDS, MAX_LEASE_SECONDS, MIN_LEASE_SECONDS } from "../../execute/protocol";
import { TASK_STATUSES } from "../../task/task";

export const TaskIdParam = z.object({
	task_id: z.string().openapi({ param: { name: "task_id", in: "path" }, example: "01936f6e-8b9a-7c3d-9e2f-0a1b2c3d4e5f" }),
});

const isoTime = z.string().nullable().openapi({ format: "date-time" });

/** A namespace's name, as tasks and the namespaces routes take it. */
export const NamespaceName = z
	.string()
	.min(1)
	.max(64)
	.regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "letters, digits and _ . - only");

export const WaitingSchema = z
	.object({
		reason: z.enum(["concurrency", "rate_limit", "paused", "dispatching", "worker"]).openapi({
			description:
				"concurrency: the namespace's max_concurrency slots are all held; rate_limit: the task type's bucket is empty; paused: the namespace is paused; dispatching: the dispatcher has not seen (or is just granting) the task; worker: a pull task waits for a worker's claim",
		}),
		since: z.string().openapi({ format: "date-time" }),
		position: z.number().int().optional().openapi({ description: "1-based place in the namespace's ready set" }),
	})
	.openapi("Waiting");

export const TaskSchema = z
	.object({
		task_id: z.string(),
		task_name: z.string().openapi({ example: "etl.process_etl_file" }),
		task_type: z.string().openapi({ example: "etl" }),
		task_type_display: z.string().openapi({ example: "ETL Pipeline" }),
		namespace: z.string(),
		status: z.enum(TASK_STATUSES),
		priority: z.number().int(),
		payload: z.unknown(),
		result: z.unknown(),
		error_code: z.string().nullable(),
		error_message: z.string().nullable(),
		errors: z.array(z.object({ item: z.string().optional(), code: z.string().optional(), message: z.string() })),
		progress: z
			.object({ percent: z.number().nullable(), done: z.number().nullable(), total: z.number().nullable(), message: z.string().nullable() })
			.nullable(),
		attempt: z.number().int().openapi({ description: "1-based number of the current (or next) attempt" }),
		retry_count: z.number().int(),
		max_retries: z.number().int(),
		timeout_seconds: z.number().int(),
		run_at: isoTime,
		created_at: z.string().openapi({ format: "date-time" }),
		queued_at: isoTime,
		started_at: isoTime,
		completed_at: isoTime,
		duration_seconds: z.number().nullable(),
		cancel_requested: z.boolean(),
		execution: z.enum(EXECUTION_MODES).openapi({ description: "Who runs the attempts: builtin, pull or external" }),
		lease_seconds: z.number().int().nullable().openapi({ description: "Each attempt's lease; null: 60 s (external: none)" }),
		lease_expires_at: isoTime.openapi({ description: "The running attempt's lease; a runner renews it by reporting" }),
		token: z.string().optional().openapi({
			description:
				"The attempt token, only in the answer that issues it (creating or retrying an external task): send it as `Authorization: Bearer <token>` on reports",
		}),
		metadata: z.record(z.string(), z.string()),
		created_by: z.string().nullable(),
		idempotency_key: z.string().nullable(),
		version: z.number().int(),
		waiting: WaitingSchema.optional().openapi({ description: "PENDING only, on GET /v1/tasks/{task_id}: why the task has no turn yet" }),
	})
	.openapi("Task");

export const MAX_METADATA_KEYS = 32;

export const CreateTaskBody = z
	.strictObject({
		task_name: z
			.string()
			.min(1)
			.max(200)
			.regex(/^[A-Za-z0-9_.:/-]+$/, "letters, digits and _ . : / - only")
			.openapi({ example: "demo.sleep" }),
		// A parsed JSON body is JSON already; z.json() is a recursive union that sends
		// zod-to-openapi into endless recursion, so /openapi.json answered 500.
		payload: z
			.unknown()
			.optional()
			.openapi({ description: "Any JSON value, handed to the handler", example: { duration_seconds: 5 } }),
		namespace: NamespaceName.optional(),
		priority: z.number().int().min(-1000).max(1000).optional().openapi({ description: "Higher runs first; default 0" }),
		max_retries: z.number().int().min(0).max(100).optional(),
		timeout_seconds: z
			.number()
			.int()
			.min(1)
			.max(7 * 86400)
			.optional()
			.openapi({ description: `Per attempt; default 1800 (builtin: at most ${MAX_BUILTIN_TIMEOUT_SECONDS})` }),
		execution: z.enum(EXECUTION_MODES).optional().openapi({
			description: "Overrides the type's mode. Default: builtin when a handler is compiled in for task_name, else pull",
		}),
		lease_seconds: z
			.number()
			.int()
			.min(MIN_LEASE_SECONDS)
			.max(MAX_LEASE_SECONDS)
			.optional()
			.openapi({ description: "Each attempt's lease (default 60; an external task has none unless given)" }),
		run_at: z.iso.datetime({ offset: true }).optional(),
		delay_seconds: z
			.number()
			.min(0)
			.max(365 * 86400)
			.optional(),
		metadata: z
			.record(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "1-64 letters, digits, _ or - (keys are filter names)"), z.string().max(512))
			.refine((m) => Object.keys(m).length <= MAX_METADATA_KEYS, `at most ${MAX_METADATA_KEYS} keys`)
			.optional(),
	})
	.refine((body) => body.run_at === undefined || body.delay_seconds === undefined, {
		message: "give run_at or delay_seconds, not both",
		path: ["delay_seconds"],
	})
	.openapi("CreateTask");

export const CancelBody = z
	.strictObject({
		mode: z.enum(["soft", "hard"]).optional().openapi({ description: "soft (default) lets the current operation finish" }),
		grace_seconds: z
			.number()
			.int()
			.min(1)
			.max(86400)
			.optional()
			.openapi({ description: "soft only: escalate to hard if unacknowledged by then" }),
	})
	.openapi("CancelTask");

export const RetryBody = z.strictObject({ reset_attempts: z.boolean().optional() }).openapi("RetryTask");

export const TaskEventSchema = z
	.object({
		seq: z.number().int(),
		at: z.string().openapi({ format: "date-time" }),
		type: z.string().openapi({ example: "started" }),
		from_status: z.enum(TASK_STATUSES).nullable(),
		to_status: z.enum(TASK_STATUSES).nullable(),
		message: z.string(),
		data: z.record(z.string(), z.unknown()).nullable(),
	})
	.openapi("TaskEvent");

export const ReportReceiptSchema = z
	.object({
		cancel_requested: z.boolean().openapi({ description: "Stop soon and report fail (or complete)" }),
		lease_expires_at: isoTime.openapi({ description: "The renewed lease; null when the attempt has none" }),
	})
	.openapi("ReportReceipt");
