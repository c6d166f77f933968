/**
 * The task resource and the bodies of the routes that change it, as plain zod: what routes
 * validate, what /openapi.json documents and what the SDK and CLI type against.
 */
import { z } from "zod";
import { TASK_STATUSES } from "../task/task";
import { EXECUTION_MODES, MAX_BUILTIN_TIMEOUT_SECONDS, MAX_LEASE_SECONDS, MAX_PUSH_TIMEOUT_SECONDS, MIN_LEASE_SECONDS } from "./execution";
import { MAX_DELAY_SECONDS, MAX_GRACE_SECONDS, MAX_TIMEOUT_SECONDS, schedulableTime, seconds } from "./limits";

const isoTime = z.string().nullable().meta({ format: "date-time" });

const MAX_TARGET_HEADERS = 20;
/** Ours on every push: a target's own headers may not stand in for them. */
const RESERVED_HEADER = /^(webhook-.*|content-type|content-length|host)$/i;

/** An absolute http(s) URL; whether it may be called is the SSRF guard's to say (src/execute/ssrf-guard.ts). */
export const httpUrl = () =>
	z
		.string()
		.max(2048)
		.refine((url) => URL.canParse(url) && /^https?:$/.test(new URL(url).protocol), "an absolute http(s) URL")
		// Credentials in the URL would be sent on every request and shown wherever the URL is (the
		// subscription, the delivery log, the task): headers are the place for a secret.
		.refine(
			(url) => !URL.canParse(url) || (new URL(url).username === "" && new URL(url).password === ""),
			"no user or password in the URL",
		);

/**
 * A push target as a create body gives it. Whether its URL may be called (https, no private
 * address) depends on the deployment, so the service checks that (src/execute/ssrf-guard.ts).
 */
export const PushTargetBody = z
	.strictObject({
		url: httpUrl().meta({ example: "https://jobs.example.com/taskplane" }),
		headers: z
			.record(
				z
					.string()
					.regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$/, "a header name")
					.refine((name) => !RESERVED_HEADER.test(name), "taskplane sets this header itself"),
				z
					.string()
					.max(2048)
					.regex(/^[^\r\n]*$/, "no line breaks"),
			)
			.refine((h) => Object.keys(h).length <= MAX_TARGET_HEADERS, `at most ${MAX_TARGET_HEADERS} headers`)
			.optional()
			.meta({ description: "Sent with every push (for example your endpoint's own auth); shown on the task as names only" }),
		timeout_seconds: seconds(1, MAX_PUSH_TIMEOUT_SECONDS)
			.optional()
			.meta({ description: "How long one push request may take; default 30" }),
	})
	.meta({ id: "PushTarget" });

/** A target as the API shows it: header values are `[redacted]`. */
export const PushTargetView = z
	.object({ url: z.string(), headers: z.record(z.string(), z.string()).optional(), timeout_seconds: z.number().int().optional() })
	.meta({ id: "PushTargetView" });

/** A namespace's name, as tasks and the namespaces routes take it. */
export const NamespaceName = z
	.string()
	.min(1)
	.max(64)
	.regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "letters, digits and _ . - only");

export const WaitingSchema = z
	.object({
		reason: z.enum(["concurrency", "rate_limit", "paused", "dispatching", "worker"]).meta({
			description:
				"concurrency: the namespace's max_concurrency slots are all held; rate_limit: the task type's bucket is empty; paused: the namespace is paused; dispatching: the dispatcher has not seen (or is just granting) the task; worker: a pull task waits for a worker's claim",
		}),
		since: z.string().meta({ format: "date-time" }),
		position: z.number().int().optional().meta({ description: "1-based place in the namespace's ready set" }),
	})
	.meta({ id: "Waiting" });

export const TaskSchema = z
	.object({
		task_id: z.string(),
		task_name: z.string().meta({ example: "etl.process_etl_file" }),
		task_type: z.string().meta({ example: "etl" }),
		task_type_display: z.string().meta({ example: "ETL Pipeline" }),
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
		attempt: z.number().int().meta({ description: "1-based number of the current (or next) attempt" }),
		retry_count: z.number().int(),
		max_retries: z.number().int(),
		timeout_seconds: z.number().int(),
		run_at: isoTime,
		created_at: z.string().meta({ format: "date-time" }),
		queued_at: isoTime,
		started_at: isoTime,
		completed_at: isoTime,
		duration_seconds: z.number().nullable(),
		cancel_requested: z.boolean(),
		execution: z.enum(EXECUTION_MODES).meta({ description: "Who runs the attempts: builtin, pull, external or http (pushed to `target`)" }),
		lease_seconds: z.number().int().nullable().meta({ description: "Each attempt's lease; null: 60 s (external: none)" }),
		lease_expires_at: isoTime.meta({ description: "The running attempt's lease; a runner renews it by reporting" }),
		token: z.string().optional().meta({
			description:
				"The attempt token, only in the answer that issues it (creating or retrying an external task): send it as `Authorization: Bearer <token>` on reports",
		}),
		metadata: z.record(z.string(), z.string()),
		created_by: z.string().nullable(),
		idempotency_key: z.string().nullable(),
		version: z.number().int(),
		target: PushTargetView.nullable().meta({
			description:
				"Where this task's attempts are pushed (its own, else its type's; header values shown as [redacted]); null when not pushed",
		}),
		callback_url: z.string().nullable().meta({ description: "Gets this task's terminal event, signed with the tenant's signing secret" }),
		waiting: WaitingSchema.optional().meta({
			description:
				"PENDING only, on GET /v1/tasks/{task_id}: why the task has no turn yet (an external task, which waits for its runner's first report, has none)",
		}),
	})
	.meta({ id: "Task" });

export const MAX_METADATA_KEYS = 32;

export const CreateTaskBody = z
	.strictObject({
		task_name: z
			.string()
			.min(1)
			.max(200)
			.regex(/^[A-Za-z0-9_.:/-]+$/, "letters, digits and _ . : / - only")
			.meta({ example: "demo.sleep" }),
		// A parsed JSON body is JSON already; z.json() is a recursive union that sends
		// zod-to-openapi into endless recursion, so /openapi.json answered 500.
		payload: z
			.unknown()
			.optional()
			.meta({ description: "Any JSON value, handed to the handler", example: { duration_seconds: 5 } }),
		namespace: NamespaceName.optional(),
		priority: z.number().int().min(-1000).max(1000).optional().meta({ description: "Higher runs first; default 0" }),
		max_retries: z.number().int().min(0).max(100).optional(),
		timeout_seconds: seconds(1, MAX_TIMEOUT_SECONDS)
			.optional()
			.meta({ description: `Per attempt; default 1800 (builtin: at most ${MAX_BUILTIN_TIMEOUT_SECONDS})` }),
		execution: z.enum(EXECUTION_MODES).optional().meta({
			description:
				"Overrides the type's mode. Default: http when `target` is given, else the type's, else builtin when a handler is compiled in for task_name, else pull",
		}),
		lease_seconds: seconds(MIN_LEASE_SECONDS, MAX_LEASE_SECONDS)
			.optional()
			.meta({ description: "Each attempt's lease (default 60; an external task has none unless given)" }),
		target: PushTargetBody.optional().meta({
			description: "Push each attempt to this endpoint, signed (execution mode http); overrides the type's target",
		}),
		callback_url: httpUrl().optional().meta({
			description:
				"POSTed the task's terminal event (task.completed, task.completed_with_errors, task.failed, task.canceled), signed like push requests with the tenant's signing secret (GET /v1/signing-secret); https to a public address when deployed",
			example: "https://app.example.com/hooks/taskplane",
		}),
		run_at: schedulableTime().optional(),
		delay_seconds: seconds(0, MAX_DELAY_SECONDS, { int: false }).optional(),
		metadata: z
			.record(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "1-64 letters, digits, _ or - (keys are filter names)"), z.string().max(512))
			.refine((m) => Object.keys(m).length <= MAX_METADATA_KEYS, `at most ${MAX_METADATA_KEYS} keys`)
			.optional(),
	})
	.refine((body) => body.run_at === undefined || body.delay_seconds === undefined, {
		message: "give run_at or delay_seconds, not both",
		path: ["delay_seconds"],
	})
	.meta({ id: "CreateTask" });

export const CancelBody = z
	.strictObject({
		mode: z.enum(["soft", "hard"]).optional().meta({ description: "soft (default) lets the current operation finish" }),
		grace_seconds: seconds(1, MAX_GRACE_SECONDS).optional().meta({ description: "soft only: escalate to hard if unacknowledged by then" }),
	})
	.meta({ id: "CancelTask" });

export const RetryBody = z.strictObject({ reset_attempts: z.boolean().optional() }).meta({ id: "RetryTask" });

export const TaskEventSchema = z
	.object({
		seq: z.number().int(),
		at: z.string().meta({ format: "date-time" }),
		type: z.string().meta({ example: "started" }),
		from_status: z.enum(TASK_STATUSES).nullable(),
		to_status: z.enum(TASK_STATUSES).nullable(),
		message: z.string(),
		data: z.record(z.string(), z.unknown()).nullable(),
	})
	.meta({ id: "TaskEvent" });

export const ReportReceiptSchema = z
	.object({
		cancel_requested: z.boolean().meta({ description: "Stop soon and report fail (or complete)" }),
		lease_expires_at: isoTime.meta({ description: "The renewed lease; null when the attempt has none" }),
	})
	.meta({ id: "ReportReceipt" });
