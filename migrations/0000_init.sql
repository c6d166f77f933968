CREATE TABLE `messages` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tenant_id` text NOT NULL,
	`task_id` text,
	`content` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `tasks` (
	`task_id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`task_name` text NOT NULL,
	`task_type` text NOT NULL,
	`namespace` text NOT NULL,
	`status` text NOT NULL,
	`priority` integer NOT NULL,
	`attempt` integer NOT NULL,
	`retry_count` integer NOT NULL,
	`error_code` text,
	`created_by` text,
	`created_at` integer NOT NULL,
	`completed_at` integer,
	`duration_seconds` real,
	`metadata` text NOT NULL,
	`snapshot` text NOT NULL,
	`version` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `tasks_tenant_created` ON `tasks` (`tenant_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `tasks_tenant_status_created` ON `tasks` (`tenant_id`,`status`,`created_at`);