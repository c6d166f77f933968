// Values that come from `npm start`'s .dev.env or `wrangler secret put`, never from
// wrangler.toml [vars], so `wrangler types` cannot see them.
declare namespace Cloudflare {
	interface Env {
		/** "development" only in local `npm start`: enables the keyless dev tenant. */
		ENVIRONMENT?: string;
		/** Bootstrap admin bearer token (`wrangler secret put ADMIN_TOKEN`); it manages API keys of every tenant. */
		ADMIN_TOKEN?: string;
	}
}
