/**
 * D1 holds history: one row per task (its latest snapshot, indexed for the API's filters) and
 * the tables later features need. Migrations are generated from this file by drizzle-kit.
 */
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const tasks = sqliteTable(
	"tasks",
	{
		task_id: text().primaryKey(),
		tenant_id: text().notNull(),
		task_name: text().notNull(),
		task_type: text().notNull(),
		namespace: text().notNull(),
		status: text().notNull(),
		priority: integer().notNull(),
		attempt: integer().notNull(),
		retry_count: integer().notNull(),
		error_code: text(),
		created_by: text(),
		/** Epoch milliseconds: integers sort and range-scan cheaply in an index. */
		created_at: integer().notNull(),
		completed_at: integer(),
		duration_seconds: real(),
		/** Flat string map as JSON; filters read it with json_extract. */
		metadata: text().notNull(),
		/** The full task resource as JSON, so a history read needs no other source. */
		snapshot: text().notNull(),
		/** The object's version of that snapshot: writes only ever move it forward. */
		version: integer().notNull(),
	},
	// Every index is a D1 row written per insert ($1/M), so only the filters clients use most get
	// one, each ending in created_at so the default newest-first order needs no sort. task_name
	// rides on the type index (a name implies its type); created_by and the other orderings
	// range-scan the tenant's created_at index. Measured in test/history-indexes.test.ts.
	(t) => [
		index("tasks_tenant_created").on(t.tenant_id, t.created_at),
		// task_type rides along (no extra row: the entry is rewritten on every status change anyway)
		// so statistics count live tasks by status and type from the index alone (stats.ts).
		index("tasks_tenant_status_created").on(t.tenant_id, t.status, t.created_at, t.task_type),
		index("tasks_tenant_type_created").on(t.tenant_id, t.task_type, t.created_at),
		// Partial: most tasks live in `default` and cost no row here; a `default` filter walks
		// tasks_tenant_created instead, where nearly every row matches (list.ts).
		index("tasks_tenant_namespace_created").on(t.tenant_id, t.namespace, t.created_at).where(sql`${t.namespace} <> 'default'`),
	],
);

/**
 * One row per metadata key of a task, so `metadata.company_id=4` is an index search rather
 * than json_extract over every row. Metadata never changes after creation: rows are inserted
 * once (ON CONFLICT DO NOTHING) and deleted with their task by retention. The key's order
 * (tenant, key, value, created_at) lists a key's tasks newest first without a sort.
 */
export const taskMetadata = sqliteTable(
	"task_metadata",
	{
		tenant_id: text().notNull(),
		key: text().notNull(),
		value: text().notNull(),
		created_at: integer().notNull(),
		task_id: text().notNull(),
	},
	(t) => [primaryKey({ columns: [t.tenant_id, t.key, t.value, t.created_at, t.task_id] })],
);

/**
 * Upper bounds (seconds) of the rollup's duration buckets, a superset of the /metrics histogram's
 * (METRICS_BUCKETS); column b{i} counts durations in (bound[i-1], bound[i]], and the
 * last column those above every bound.
 */
export const ROLLUP_BUCKETS = [
	0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400,
] as const;

const bucketColumns = () =>
	Object.fromEntries([...ROLLUP_BUCKETS, Number.POSITIVE_INFINITY].map((_, i) => [`b${i}`, integer().notNull().default(0)]));

/**
 * Finished tasks counted per tenant, hour of creation, type and status, so statistics over a
 * window read a few hundred rows instead of every task in it (history/rollup.ts). It is written
 * in the same batch as the snapshot that makes a task terminal (or takes it out of a terminal
 * status), and decremented by retention with the rows it deletes. Live tasks are not in it.
 */
export const taskStatsHourly = sqliteTable(
	"task_stats_hourly",
	{
		tenant_id: text().notNull(),
		/** Epoch ms of the start of the hour the tasks were created in. */
		hour: integer().notNull(),
		task_type: text().notNull(),
		status: text().notNull(),
		count: integer().notNull(),
		duration_count: integer().notNull(),
		duration_sum: real().notNull(),
		...bucketColumns(),
		/**
		 * Seconds: the shortest and longest duration added to the row, so a percentile interpolated
		 * in a bucket stays within what was observed. Rows taken out (a retry, retention) leave them
		 * as they were: the bounds then span durations once seen, never wider than the buckets.
		 */
		duration_min: real(),
		duration_max: real(),
	},
	(t) => [primaryKey({ columns: [t.tenant_id, t.hour, t.task_type, t.status] })],
);

/** Upper bounds (seconds) of the /metrics duration histogram. */
export const METRICS_BUCKETS = [0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 1800, 3600, 10800] as const;

/**
 * Prometheus counters per tenant and type: transitions counted as history receives them
 * (history/counters.ts), never recomputed from retained rows, so they only grow. `le{i}` counts
 * finished runs of at most METRICS_BUCKETS[i] seconds (cumulative, as Prometheus buckets are).
 */
export const taskCounters = sqliteTable(
	"task_counters",
	{
		tenant_id: text().notNull(),
		task_type: text().notNull(),
		created: integer().notNull(),
		completed: integer().notNull(),
		failed: integer().notNull(),
		canceled: integer().notNull(),
		duration_count: integer().notNull(),
		duration_sum: real().notNull(),
		...Object.fromEntries(METRICS_BUCKETS.map((_, i) => [`le${i}`, integer().notNull().default(0)])),
	},
	(t) => [primaryKey({ columns: [t.tenant_id, t.task_type] })],
);

/**
 * What messages.create writes: at most one row per task, so a re-run of its attempt (after a
 * crash, a lost lease) inserts nothing new.
 */
export const messages = sqliteTable(
	"messages",
	{
		id: integer().primaryKey({ autoIncrement: true }),
		tenant_id: text().notNull(),
		task_id: text(),
		content: text().notNull(),
		created_at: integer().notNull(),
	},
	(t) => [uniqueIndex("messages_tenant_task").on(t.tenant_id, t.task_id)],
);

/**
 * API keys. The secret itself is never stored: only its SHA-256, found through the key's short
 * public prefix (unique), so a lookup is one indexed read and a leaked table grants nothing.
 */
export const apiKeys = sqliteTable(
	"api_keys",
	{
		id: text().primaryKey(),
		tenant_id: text().notNull(),
		name: text().notNull(),
		prefix: text().notNull(),
		/** Hex SHA-256 of the whole key string. */
		hash: text().notNull(),
		/** JSON array of scopes. */
		scopes: text().notNull(),
		/** Per-key overrides of RATE_LIMIT_PER_SECOND / RATE_LIMIT_BURST; null uses the vars. */
		rate_limit_per_second: real(),
		rate_limit_burst: integer(),
		created_at: integer().notNull(),
		last_used_at: integer(),
		revoked_at: integer(),
	},
	(t) => [uniqueIndex("api_keys_prefix").on(t.prefix), index("api_keys_tenant_created").on(t.tenant_id, t.created_at)],
);

/**
 * The namespaces a tenant has used or configured (GET /v1/namespaces): a row is written once,
 * when a namespace's dispatcher first serves it or an admin first sets its limits.
 */
export const namespaces = sqliteTable(
	"namespaces",
	{
		tenant_id: text().notNull(),
		namespace: text().notNull(),
		created_at: integer().notNull(),
	},
	(t) => [primaryKey({ columns: [t.tenant_id, t.namespace] })],
);

/**
 * Each tenant's signing secret for what taskplane sends to its endpoints (push attempts,
 * callbacks), created on first use. It is kept in the clear because signing (HMAC) needs the
 * secret itself, not a hash. After a rotation the previous secret keeps signing beside the new
 * one until `previous_expires_at`, so receivers can switch without missing a request.
 */
export const signingSecrets = sqliteTable("signing_secrets", {
	tenant_id: text().primaryKey(),
	/** `whsec_<base64>` */
	secret: text().notNull(),
	previous_secret: text(),
	/** Epoch ms. */
	previous_expires_at: integer(),
	created_at: integer().notNull(),
	rotated_at: integer(),
});

/**
 * Each tenant's own task types (`PUT /v1/task-types/{type}`), layered over the built-in registry.
 * A deleted type keeps its row with `definition` null: that a tenant ever defined types tells
 * the list queries that a task name no longer implies one type (src/services/history.ts).
 */
export const taskTypes = sqliteTable(
	"task_types",
	{
		tenant_id: text().notNull(),
		type: text().notNull(),
		/** The definition as PUT (JSON, a TenantTaskType); null once deleted. */
		definition: text(),
		updated_at: integer().notNull(),
	},
	(t) => [primaryKey({ columns: [t.tenant_id, t.type] })],
);

/**
 * Webhook subscriptions: a tenant's endpoints and which task events each wants. The secret is
 * kept in the clear (signing needs it); after a rotation the previous one signs too until
 * `previous_expires_at`. `failing_since` is the first failed try since the last success: a
 * subscription failing every delivery for 3 days is disabled (`disabled_at`, `disabled_reason`).
 */
export const webhookSubscriptions = sqliteTable(
	"webhook_subscriptions",
	{
		id: text().primaryKey(),
		tenant_id: text().notNull(),
		url: text().notNull(),
		/** JSON array of event types. */
		events: text().notNull(),
		namespace: text(),
		task_type: text(),
		description: text(),
		/** `whsec_<base64>` */
		secret: text().notNull(),
		previous_secret: text(),
		/** Epoch ms, as every time below. */
		previous_expires_at: integer(),
		created_at: integer().notNull(),
		updated_at: integer().notNull(),
		failing_since: integer(),
		disabled_at: integer(),
		disabled_reason: text(),
	},
	(t) => [index("webhook_subscriptions_tenant_created").on(t.tenant_id, t.created_at)],
);

/**
 * One row per event and destination (a subscription, or a task's callback_url when
 * `subscription_id` is null), written after its first try and updated by each retry. The id is
 * derived from both, so a repeated event message finds its row. `body` is the exact JSON sent,
 * so a retry or a redelivery sends the same bytes. Deleted by retention with task history.
 */
export const webhookDeliveries = sqliteTable(
	"webhook_deliveries",
	{
		id: text().primaryKey(),
		tenant_id: text().notNull(),
		subscription_id: text(),
		event_id: text().notNull(),
		event_type: text().notNull(),
		task_id: text(),
		url: text().notNull(),
		body: text().notNull(),
		/** pending (a try is on its way) | delivered | failed (a retry is scheduled) | dead_letter (no more tries) */
		status: text().notNull(),
		attempts: integer().notNull(),
		/** The last try's HTTP status; null when it got no answer. */
		response_status: integer(),
		/** How long the last try took (ms). */
		response_ms: integer(),
		last_error: text(),
		last_attempt_at: integer(),
		next_attempt_at: integer(),
		created_at: integer().notNull(),
	},
	// One index (the log's): with the text primary key's own, an insert writes 3 rows. Retention
	// needs none: it scans in rowid order, oldest first (history/webhooks.ts).
	(t) => [index("webhook_deliveries_subscription_created").on(t.tenant_id, t.subscription_id, t.created_at)],
);
