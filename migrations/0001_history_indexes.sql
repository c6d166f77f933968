CREATE TABLE `task_metadata` (
	`tenant_id` text NOT NULL,
	`key` text NOT NULL,
	`value` text NOT NULL,
	`created_at` integer NOT NULL,
	`task_id` text NOT NULL,
	PRIMARY KEY(`tenant_id`, `key`, `value`, `created_at`, `task_id`)
);
--> statement-breakpoint
CREATE INDEX `tasks_tenant_type_created` ON `tasks` (`tenant_id`,`task_type`,`created_at`);--> statement-breakpoint
CREATE INDEX `tasks_tenant_namespace_created` ON `tasks` (`tenant_id`,`namespace`,`created_at`);