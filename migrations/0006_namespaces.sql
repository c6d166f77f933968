CREATE TABLE `namespaces` (
	`tenant_id` text NOT NULL,
	`namespace` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `namespace`)
);
