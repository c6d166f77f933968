/** Webhook subscriptions and their deliveries as the /v1/webhooks routes take and show them (plain zod). */
import { z } from "zod";
import { TaskTypeName } from "./task-types";
import { httpUrl, NamespaceName } from "./tasks";
import { DELIVERY_STATUSES, TASK_EVENT_TYPES } from "./webhook-events";

export const WebhookEventTypeSchema = z.enum(TASK_EVENT_TYPES);

const isoTime = z.string().nullable().meta({ format: "date-time" });

const fields = {
	url: httpUrl().meta({
		description: "Where events are POSTed; https to a public address when deployed",
		example: "https://app.example.com/hooks/taskplane",
	}),
	events: z.array(WebhookEventTypeSchema).max(TASK_EVENT_TYPES.length).meta({
		description: "Event types to receive; empty or omitted: the terminal ones (completed, completed_with_errors, failed, canceled)",
	}),
	namespace: NamespaceName.nullable().meta({ description: "Only tasks of this namespace; null: every namespace" }),
	// A type's name as tasks carry it (never its display name, which no task's type would equal).
	task_type: TaskTypeName.nullable().meta({
		description: "Only tasks of this type (its name, as `task_type` on a task); null: every type",
	}),
	description: z.string().max(500).nullable(),
};

export const CreateWebhookBody = z
	.strictObject({
		url: fields.url,
		events: fields.events.optional(),
		namespace: fields.namespace.optional(),
		task_type: fields.task_type.optional(),
		description: fields.description.optional(),
	})
	.meta({ id: "CreateWebhook" });

export const PatchWebhookBody = z
	.strictObject({
		url: fields.url.optional(),
		events: fields.events.optional(),
		namespace: fields.namespace.optional(),
		task_type: fields.task_type.optional(),
		description: fields.description.optional(),
		enabled: z
			.boolean()
			.optional()
			.meta({ description: "true re-enables a disabled subscription (its failures are forgotten); false disables it" }),
	})
	.meta({ id: "PatchWebhook" });

export const WebhookSchema = z
	.object({
		id: z.string().meta({ example: "wh_5f0c1d2e3a4b5c6d7e8f9a0b" }),
		url: z.string(),
		events: z.array(WebhookEventTypeSchema),
		namespace: z.string().nullable(),
		task_type: z.string().nullable(),
		description: z.string().nullable(),
		enabled: z.boolean(),
		disabled_at: isoTime,
		disabled_reason: z
			.string()
			.nullable()
			.meta({ description: "Why it was disabled (every delivery failing for 3 days, or through the API)" }),
		failing_since: isoTime.meta({ description: "The first failed try since the last success; null while deliveries succeed" }),
		created_at: z.string().meta({ format: "date-time" }),
		updated_at: z.string().meta({ format: "date-time" }),
		previous_secret_expires_at: isoTime.meta({
			description: "Until when the secret the last rotation replaced still signs beside the current one",
		}),
	})
	.meta({ id: "Webhook" });

export const WebhookWithSecretSchema = WebhookSchema.extend({
	secret: z.string().meta({
		description: "`whsec_…`: verify deliveries with it (Standard Webhooks). Shown only in this answer",
		example: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
	}),
}).meta({ id: "WebhookWithSecret" });

export const WebhookListSchema = z.object({ webhooks: z.array(WebhookSchema) }).meta({ id: "WebhookList" });

export const DeliverySchema = z
	.object({
		id: z.string(),
		subscription_id: z.string().nullable(),
		event_id: z.string().meta({ description: "Sent as `webhook-id` on every try: de-duplicate by it" }),
		event_type: z.string(),
		task_id: z.string().nullable(),
		url: z.string(),
		status: z.enum(DELIVERY_STATUSES).meta({
			description:
				"pending: a try is on its way; delivered: a 2xx; failed: the last try failed, next_attempt_at says when the next comes (null: none); dead_letter: the ~24 h of retries are spent",
		}),
		attempts: z.number().int(),
		response_status: z.number().int().nullable().meta({ description: "The last try's HTTP status; null when it got no answer" }),
		response_ms: z.number().int().nullable(),
		last_error: z.string().nullable(),
		last_attempt_at: isoTime,
		next_attempt_at: isoTime,
		created_at: z.string().meta({ format: "date-time" }),
	})
	.meta({ id: "WebhookDelivery" });

export const MAX_DELIVERY_PAGE = 100;

const list = (values: readonly string[], name: string) =>
	z
		.string()
		.transform((s) => s.split(",").filter(Boolean))
		.refine((items) => items.every((i) => values.includes(i)), `${name}: one or more of ${values.join(", ")}, comma-separated`);

export const DeliveryQuery = z.strictObject({
	status: list(DELIVERY_STATUSES, "status").optional(),
	event_type: list([...TASK_EVENT_TYPES, "webhook.ping"], "event_type").optional(),
	task_id: z.string().max(64).optional(),
	limit: z
		.string()
		.regex(/^\d+$/, "a whole number")
		.transform(Number)
		.pipe(z.number().int().min(1).max(MAX_DELIVERY_PAGE))
		.optional()
		.meta({ description: `1 to ${MAX_DELIVERY_PAGE}, default 50` }),
	cursor: z.string().max(200).optional().meta({ description: "The previous page's next_cursor" }),
});

export const DeliveryListSchema = z
	.object({
		deliveries: z.array(DeliverySchema),
		limit: z.number().int(),
		next_cursor: z.string().nullable().meta({ description: "Pass as cursor for the next page; null on the last" }),
	})
	.meta({ id: "WebhookDeliveryList" });
