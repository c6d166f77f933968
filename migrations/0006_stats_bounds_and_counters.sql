CREATE TABLE `task_counters` (
	`tenant_id` text NOT NULL,
	`task_type` text NOT NULL,
	`created` integer NOT NULL,
	`completed` integer NOT NULL,
	`failed` integer NOT NULL,
	`canceled` integer NOT NULL,
	`duration_count` integer NOT NULL,
	`duration_sum` real NOT NULL,
	`le0` integer DEFAULT 0 NOT NULL,
	`le1` integer DEFAULT 0 NOT NULL,
	`le2` integer DEFAULT 0 NOT NULL,
	`le3` integer DEFAULT 0 NOT NULL,
	`le4` integer DEFAULT 0 NOT NULL,
	`le5` integer DEFAULT 0 NOT NULL,
	`le6` integer DEFAULT 0 NOT NULL,
	`le7` integer DEFAULT 0 NOT NULL,
	`le8` integer DEFAULT 0 NOT NULL,
	`le9` integer DEFAULT 0 NOT NULL,
	`le10` integer DEFAULT 0 NOT NULL,
	`le11` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`tenant_id`, `task_type`)
);
--> statement-breakpoint
ALTER TABLE `task_stats_hourly` ADD `duration_min` real;--> statement-breakpoint
ALTER TABLE `task_stats_hourly` ADD `duration_max` real;