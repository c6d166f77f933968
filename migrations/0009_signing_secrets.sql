CREATE TABLE `signing_secrets` (
	`tenant_id` text PRIMARY KEY NOT NULL,
	`secret` text NOT NULL,
	`previous_secret` text,
	`previous_expires_at` integer,
	`created_at` integer NOT NULL,
	`rotated_at` integer
);
