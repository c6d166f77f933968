CREATE TABLE `task_types` (
	`tenant_id` text NOT NULL,
	`type` text NOT NULL,
	`definition` text,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `type`)
);
