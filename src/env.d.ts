// Values that come from `npm start`'s .dev.env or `wrangler secret put`, never from
// wrangler.toml [vars], so `wrangler types` cannot see them.
declare namespace Cloudflare {
	interface Env {
		/** "development" only in local `npm start`: enables the keyless dev tenant. */
		ENVIRONMENT?: string;
		/** Bootstrap admin bearer token (`wrangler secret put ADMIN_TOKEN`); it manages API keys of every tenant. */
		ADMIN_TOKEN?: string;
		/**
		 * The deployment's own origin (`https://tasks.example.com`), set as a var when deploying:
		 * push targets are told to report under `${PUBLIC_URL}/v1/tasks/{id}`. `npm start` and the
		 * e2e server pass it with `--var`; unset, a push carries `report_url: null`.
		 */
		PUBLIC_URL?: string;
		/**
		 * Seconds before each retry of a failed webhook delivery, comma-separated (default
		 * src/webhooks/schedule.ts: 5 s … 8 h, about 24 h in all). The e2e server passes short
		 * ones with `--var` so a test sees a retry within seconds.
		 */
		WEBHOOK_RETRY_SCHEDULE?: string;
	}
}
