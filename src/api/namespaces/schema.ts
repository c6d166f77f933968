import { z } from "@hono/zod-openapi";
import { DEFAULT_MAX_CONCURRENCY } from "../../contract/limits";
import { queryNumber } from "../../contract/query";
import { NamespaceName } from "../tasks/schema";

export const NamespaceParam = z.object({
	ns: NamespaceName.openapi({ param: { name: "ns", in: "path" }, example: "default" }),
});

export const TypeRateLimitSchema = z
	.strictObject({
		per_second: z.number().gt(0).max(10_000).openapi({ description: "Starts per second, refilled continuously", example: 2 }),
		burst: z.number().int().min(1).max(10_000).openapi({ description: "Starts allowed at once after a quiet spell", example: 5 }),
	})
	.openapi("TypeRateLimit");

const limits = {
	max_concurrency: z
		.number()
		.int()
		.min(1)
		.max(100_000)
		.openapi({ description: `Attempts holding a turn at once; default ${DEFAULT_MAX_CONCURRENCY}` }),
	rate_limits: z
		.record(z.string().min(1).max(64), TypeRateLimitSchema)
		.openapi({ description: "Per task type; a type absent here gets the registry's default (none)" }),
	paused: z.boolean().openapi({ description: "Paused: nothing new starts; running tasks carry on" }),
};

export const PutNamespaceBody = z
	.strictObject({
		max_concurrency: limits.max_concurrency.optional(),
		rate_limits: limits.rate_limits.optional(),
		paused: limits.paused.optional(),
	})
	.openapi("PutNamespace");

export const NamespaceSchema = z
	.object({
		namespace: z.string(),
		ready: z.number().int().openapi({ description: "Tasks waiting for a turn" }),
		running: z.number().int().openapi({ description: "Attempts holding a turn (QUEUED or PROCESSING)" }),
		oldest_wait_seconds: z.number().openapi({ description: "How long the oldest ready task has waited" }),
		...limits,
	})
	.openapi("Namespace");

export const NamespaceListSchema = z.object({
	namespaces: z.array(NamespaceSchema),
	next_after: z.string().nullable().openapi({ description: "Pass as `after` for the next page; null on the last" }),
});

export const NamespaceListQuery = z.object({
	limit: queryNumber(z.number().int().min(1).max(100)).optional().openapi({ description: "Default 50" }),
	after: NamespaceName.optional().openapi({ description: "The previous page's next_after" }),
});
