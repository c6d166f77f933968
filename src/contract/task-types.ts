/**
 * Task types as data (`/v1/task-types`): a tenant's definition as PUT takes it, and a type as the
 * API shows it. Plain zod, shared by routes, SDK and CLI.
 */
import { z } from "zod";
import { EXECUTION_MODES, MAX_BUILTIN_TIMEOUT_SECONDS } from "./execution";
import { MAX_TIMEOUT_SECONDS, seconds } from "./limits";
import { PushTargetBody, PushTargetView } from "./tasks";

/** A type's name, as the path takes it. */
export const TaskTypeName = z
	.string()
	.min(1)
	.max(64)
	.regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "letters, digits and _ . - only, starting with a letter or digit");

const Pattern = z
	.string()
	.min(1)
	.max(200)
	.regex(/^[^*]*\*?$/, "a task name, a prefix ending in . or _, or a glob with one * at the end (etl.*)");

export const RetryBackoffSchema = z
	.strictObject({
		base_seconds: z.number().gt(0).max(3_600).meta({ description: "The first retry's ceiling", example: 5 }),
		factor: z.number().min(1).max(10).meta({ description: "Each retry's ceiling grows by this", example: 2 }),
		max_seconds: seconds(1, 86_400, { int: false }).meta({ description: "No retry waits longer", example: 600 }),
	})
	.refine((b) => b.max_seconds >= b.base_seconds, { message: "max_seconds is at least base_seconds", path: ["max_seconds"] })
	.meta({
		id: "RetryBackoff",
		description: "Exponential with full jitter: retry n waits a random time below min(max, base × factor^(n-1))",
	});

export const TypeRateLimitBody = z
	.strictObject({
		per_second: z.number().gt(0).max(10_000).meta({ description: "Starts per second, refilled continuously", example: 2 }),
		burst: z.number().int().min(1).max(10_000).meta({ description: "Starts allowed at once after a quiet spell", example: 5 }),
	})
	.meta({ id: "TaskTypeRateLimit" });

/** PUT /v1/task-types/{type}: a field left out comes from the built-in type of that name, else the defaults. */
export const PutTaskTypeBody = z
	.strictObject({
		display: z.string().min(1).max(100).optional().meta({ example: "Nightly reports" }),
		patterns: z
			.array(Pattern)
			.min(1)
			.max(50)
			.optional()
			.meta({
				description: "The task names of this type: exact names, prefixes ending in . or _, or globs ending in *",
				example: ["reports.*"],
			}),
		execution: z.enum(EXECUTION_MODES).optional().meta({ description: "Who runs tasks of this type unless a task says otherwise" }),
		target: PushTargetBody.optional().meta({
			description: "Where tasks of this type are pushed (execution http) unless they name a target",
		}),
		max_retries: z.number().int().min(0).max(100).optional(),
		timeout_seconds: seconds(1, MAX_TIMEOUT_SECONDS)
			.optional()
			.meta({ description: `Per attempt; at most ${MAX_BUILTIN_TIMEOUT_SECONDS} for execution builtin` }),
		backoff: RetryBackoffSchema.optional(),
		rate_limit: TypeRateLimitBody.optional().meta({
			description: "Starts per second in each namespace; a namespace's own limit for the type wins",
		}),
	})
	.meta({ id: "PutTaskType" });

export const TaskTypeSchema = z
	.object({
		type: z.string().meta({ example: "etl" }),
		display: z.string().meta({ example: "ETL Pipeline" }),
		patterns: z
			.array(z.string())
			.meta({ description: "Exact task names, prefixes ending in . or _, or globs ending in *", example: ["etl.", "etl_"] }),
		defaults: z.object({
			max_retries: z.number().int(),
			timeout_seconds: z.number().int(),
			backoff: z.object({ base_seconds: z.number(), factor: z.number(), max_seconds: z.number() }),
		}),
		rate_limit: z.object({ per_second: z.number(), burst: z.number() }).nullable(),
		has_handler: z.boolean().meta({ description: "A built-in handler runs some task name of this type" }),
		handlers: z.array(z.string()).meta({ description: "The task names built-in handlers run" }),
		execution: z.enum(EXECUTION_MODES).nullable().meta({
			description: "The type's execution mode; null: builtin for the names in `handlers`, pull for the rest",
		}),
		target: PushTargetView.nullable().meta({ description: "Where http tasks of this type are pushed unless they name a target" }),
		source: z
			.enum(["builtin", "tenant"])
			.meta({ description: "builtin: the registry compiled in; tenant: defined with PUT /v1/task-types/{type}" }),
		overrides: z.boolean().meta({ description: "A tenant definition that replaces the built-in type of the same name" }),
		active: z.boolean().meta({ description: "false: a built-in type that a tenant definition of the same name replaces" }),
	})
	.meta({ id: "TaskType" });

export const TaskTypeListSchema = z.object({ task_types: z.array(TaskTypeSchema) });
