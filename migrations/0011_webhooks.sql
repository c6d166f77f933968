CREATE TABLE `webhook_deliveries` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`subscription_id` text,
	`event_id` text NOT NULL,
	`event_type` text NOT NULL,
	`task_id` text,
	`url` text NOT NULL,
	`body` text NOT NULL,
	`status` text NOT NULL,
	`attempts` integer NOT NULL,
	`response_status` integer,
	`response_ms` integer,
	`last_error` text,
	`last_attempt_at` integer,
	`next_attempt_at` integer,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `webhook_deliveries_subscription_created` ON `webhook_deliveries` (`tenant_id`,`subscription_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `webhook_subscriptions` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`url` text NOT NULL,
	`events` text NOT NULL,
	`namespace` text,
	`task_type` text,
	`description` text,
	`secret` text NOT NULL,
	`previous_secret` text,
	`previous_expires_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`failing_since` integer,
	`disabled_at` integer,
	`disabled_reason` text
);
--> statement-breakpoint
CREATE INDEX `webhook_subscriptions_tenant_created` ON `webhook_subscriptions` (`tenant_id`,`created_at`);