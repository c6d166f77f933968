import { z } from "@hono/zod-openapi";
import { MAX_CLAIM_WAIT_SECONDS as MAX_WAIT_SECONDS } from "../../contract/limits";
import { DEFAULT_LEASE_SECONDS, MAX_LEASE_SECONDS, MIN_LEASE_SECONDS } from "../../execute/protocol";
import { NamespaceName } from "../tasks/schema";

/** At most this many tasks per claim. */
export const MAX_CLAIM = 100;

const names = z.array(z.string().min(1).max(200)).min(1).max(50);

export const WorkerId = z
	.string()
	.min(1)
	.max(128)
	.regex(/^[A-Za-z0-9_.:@/-]+$/, "letters, digits and _ . : @ / - only");

export const ClaimBody = z
	.strictObject({
		namespace: NamespaceName.optional().openapi({ description: "Default `default`" }),
		worker_id: WorkerId.optional().openapi({
			description: "Names the worker in `GET /v1/workers` and in each task's events; default the key's name",
			example: "resizer-1",
		}),
		task_names: names
			.optional()
			.openapi({ description: "Claim only these task names (or these types, when both are given)", example: ["images.resize"] }),
		task_types: names.optional().openapi({ description: "Claim only these task types; neither given: any pull task" }),
		max: z
			.number()
			.int()
			.min(1)
			.max(MAX_CLAIM)
			.optional()
			.openapi({ description: `At most this many tasks; default 1, at most ${MAX_CLAIM}` }),
		lease_seconds: z
			.number()
			.int()
			.min(MIN_LEASE_SECONDS)
			.max(MAX_LEASE_SECONDS)
			.optional()
			.openapi({ description: `Each claimed attempt's lease, renewed by every report; default ${DEFAULT_LEASE_SECONDS}` }),
		wait_seconds: z
			.number()
			.min(0)
			.max(MAX_WAIT_SECONDS)
			.optional()
			.openapi({ description: `Long-poll: hold the request this long when nothing is ready; default 0, at most ${MAX_WAIT_SECONDS}` }),
	})
	.openapi("Claim");

export const ClaimedTaskSchema = z
	.object({
		task_id: z.string(),
		task_name: z.string(),
		task_type: z.string(),
		namespace: z.string(),
		attempt: z.number().int().openapi({ description: "1-based" }),
		payload: z.unknown(),
		token: z.string().openapi({ description: "The attempt token: `Authorization: Bearer <token>` on every report of this attempt" }),
		lease_expires_at: z.string().nullable().openapi({ format: "date-time", description: "Report (heartbeat, progress, log) before this" }),
	})
	.openapi("ClaimedTask");

export const ClaimAnswerSchema = z.object({
	tasks: z.array(ClaimedTaskSchema).openapi({ description: "Highest priority first; empty when nothing was ready within wait_seconds" }),
});

export const WorkerSchema = z
	.object({
		worker_id: z.string(),
		namespace: z.string(),
		task_names: z.array(z.string()).openapi({ description: "What its latest claim asked for (empty: any)" }),
		task_types: z.array(z.string()),
		first_seen_at: z.string().openapi({ format: "date-time" }),
		last_seen_at: z.string().openapi({ format: "date-time", description: "Its latest claim; now while it long-polls" }),
		running: z.number().int().openapi({ description: "Attempts it claimed that have not ended" }),
		polling: z.boolean().openapi({ description: "A claim of its is open right now" }),
	})
	.openapi("Worker");

export const WorkerListQuery = z.object({
	namespace: NamespaceName.optional().openapi({ description: "One namespace; default every namespace the tenant has used" }),
});

export const WorkerListSchema = z.object({ workers: z.array(WorkerSchema) });
