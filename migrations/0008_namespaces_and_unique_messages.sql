CREATE TABLE `namespaces` (
	`tenant_id` text NOT NULL,
	`namespace` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `namespace`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `messages_tenant_task` ON `messages` (`tenant_id`,`task_id`);