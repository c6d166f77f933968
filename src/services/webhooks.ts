/**
 * Webhook subscriptions: what the /v1/webhooks routes call, and what task creation asks to know
 * which events a new task owes (`subscribedEvents`).
 *
 * Which events a task owes is decided when it is created, from the tenant's subscriptions as a
 * per-isolate cache holds them (SUBSCRIPTION_CACHE_TTL_MS), so a task no subscription matches
 * costs no D1 read and no webhook operation. The consequence, chosen on purpose: a subscription
 * receives the events of tasks created after it (in another isolate, up to the cache's TTL
 * after it); a task created before it that already owes events (another subscription wanted
 * them) delivers to it too, since who receives an event is decided when it is sent.
 */
import { TtlCache } from "../auth/ttl-cache";
import { ApiError } from "../errors";
import { newSigningSecret } from "../execute/signing";
import { outboundModeOf, outboundUrlProblem } from "../execute/ssrf-guard";
import { historyDb } from "../history/db";
import * as store from "../history/webhooks";
import { count } from "../usage";
import { PING_EVENT_TYPE, TASK_EVENT_TYPES, TERMINAL_EVENT_TYPES, type WebhookEventType } from "../webhooks/events";
import { recordTries } from "../webhooks/record";
import { sendTry } from "../webhooks/send";
import { eventsWanted, filterOf, type SubscriptionFilter, subscriptionSecrets } from "../webhooks/subscriptions";
import { ROTATION_OVERLAP_MS } from "./signing-secret";
import { type DeliveryView, deliveryView } from "./webhook-deliveries";

/** How long an isolate trusts its copy of a tenant's subscriptions when creating tasks (ms). */
export const SUBSCRIPTION_CACHE_TTL_MS = 30_000;
export const MAX_SUBSCRIPTIONS_PER_TENANT = 50;

const cache = new TtlCache<SubscriptionFilter[]>(SUBSCRIPTION_CACHE_TTL_MS);

export interface SubscriptionInput {
	url: string;
	events?: WebhookEventType[];
	namespace?: string | null;
	task_type?: string | null;
	description?: string | null;
}

export interface SubscriptionView {
	id: string;
	url: string;
	events: WebhookEventType[];
	namespace: string | null;
	task_type: string | null;
	description: string | null;
	enabled: boolean;
	disabled_at: string | null;
	disabled_reason: string | null;
	/** The first failed try since the last success; null while deliveries succeed. */
	failing_since: string | null;
	created_at: string;
	updated_at: string;
	/** Until when the secret the last rotation replaced still signs beside the current one. */
	previous_secret_expires_at: string | null;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function view(row: store.SubscriptionRow, now: number): SubscriptionView {
	const rotating = row.previous_expires_at !== null && row.previous_expires_at > now;
	return {
		id: row.id,
		url: row.url,
		events: filterOf(row).events,
		namespace: row.namespace,
		task_type: row.task_type,
		description: row.description,
		enabled: row.disabled_at === null,
		disabled_at: iso(row.disabled_at),
		disabled_reason: row.disabled_reason,
		failing_since: iso(row.failing_since),
		created_at: iso(row.created_at) as string,
		updated_at: iso(row.updated_at) as string,
		previous_secret_expires_at: rotating ? iso(row.previous_expires_at) : null,
	};
}

/** The stored list: each type once; none asked for means the terminal ones. */
const eventsJson = (events: readonly WebhookEventType[] | undefined) =>
	JSON.stringify(events?.length ? [...new Set(events)] : TERMINAL_EVENT_TYPES);

function checkUrl(env: Env, url: string): void {
	const problem = outboundUrlProblem(url, outboundModeOf(env));
	if (problem) {
		throw new ApiError("VALIDATION_FAILED", problem, { errors: [{ path: "url", message: problem }] });
	}
}

async function requireSubscription(env: Env, tenant: string, id: string): Promise<store.SubscriptionRow> {
	const row = await store.findSubscription(historyDb(env.DB), tenant, id);
	if (!row) {
		throw new ApiError("NOT_FOUND", "no webhook subscription with this id");
	}
	return row;
}

/** 201's body: the view and the secret, shown this once. */
export async function createSubscription(env: Env, tenant: string, input: SubscriptionInput, now = Date.now()) {
	checkUrl(env, input.url);
	const db = historyDb(env.DB);
	if ((await store.listSubscriptions(db, tenant)).length >= MAX_SUBSCRIPTIONS_PER_TENANT) {
		throw new ApiError("CONFLICT", `a tenant has at most ${MAX_SUBSCRIPTIONS_PER_TENANT} webhook subscriptions; delete one first`);
	}
	const bytes = crypto.getRandomValues(new Uint8Array(12));
	const row: store.SubscriptionRow = {
		id: `wh_${[...bytes].map((b) => b.toString(16).padStart(2, "0")).join("")}`,
		tenant_id: tenant,
		url: input.url,
		events: eventsJson(input.events),
		namespace: input.namespace ?? null,
		task_type: input.task_type ?? null,
		description: input.description ?? null,
		secret: newSigningSecret(),
		previous_secret: null,
		previous_expires_at: null,
		created_at: now,
		updated_at: now,
		failing_since: null,
		disabled_at: null,
		disabled_reason: null,
	};
	await store.insertSubscription(db, row);
	forget(tenant);
	return { ...view(row, now), secret: row.secret };
}

export async function listSubscriptionViews(env: Env, tenant: string, now = Date.now()): Promise<SubscriptionView[]> {
	return (await store.listSubscriptions(historyDb(env.DB), tenant)).map((row) => view(row, now));
}

export async function getSubscription(env: Env, tenant: string, id: string, now = Date.now()): Promise<SubscriptionView> {
	return view(await requireSubscription(env, tenant, id), now);
}

/** `enabled: true` re-enables a disabled subscription (and forgets its failures); false disables it. */
export async function patchSubscription(
	env: Env,
	tenant: string,
	id: string,
	patch: Partial<SubscriptionInput> & { enabled?: boolean },
	now = Date.now(),
): Promise<SubscriptionView> {
	if (patch.url !== undefined) {
		checkUrl(env, patch.url);
	}
	const current = await requireSubscription(env, tenant, id);
	const { enabled, events, ...plain } = patch;
	// Only what the patch gives changes; undefined fields are left out of the update.
	const fields: Partial<store.SubscriptionRow> = { ...plain, updated_at: now };
	if (events !== undefined) {
		fields.events = eventsJson(events);
	}
	if (enabled === true && current.disabled_at !== null) {
		Object.assign(fields, { disabled_at: null, disabled_reason: null, failing_since: null });
	}
	if (enabled === false && current.disabled_at === null) {
		Object.assign(fields, { disabled_at: now, disabled_reason: "disabled through the API" });
	}
	const row = await store.updateSubscription(historyDb(env.DB), tenant, id, fields);
	forget(tenant);
	if (!row) {
		throw new ApiError("NOT_FOUND", "no webhook subscription with this id");
	}
	return view(row, now);
}

export async function deleteSubscription(env: Env, tenant: string, id: string): Promise<void> {
	if (!(await store.deleteSubscription(historyDb(env.DB), tenant, id))) {
		throw new ApiError("NOT_FOUND", "no webhook subscription with this id");
	}
	forget(tenant);
}

/** A new secret, shown this once; the replaced one keeps signing beside it for 24 h. */
export async function rotateSubscription(env: Env, tenant: string, id: string, now = Date.now()) {
	const secret = newSigningSecret();
	const row = await store.rotateSubscriptionSecret(historyDb(env.DB), tenant, id, secret, now, now + ROTATION_OVERLAP_MS);
	if (!row) {
		throw new ApiError("NOT_FOUND", "no webhook subscription with this id");
	}
	return { ...view(row, now), secret };
}

/**
 * Sends a `webhook.ping` event to the subscription now, signed like every delivery, and logs
 * it. A ping is tried once: it is neither retried nor counted against the subscription's health.
 */
export async function pingSubscription(env: Env, tenant: string, id: string, fetcher: typeof fetch = fetch): Promise<DeliveryView> {
	const row = await requireSubscription(env, tenant, id);
	const now = Date.now();
	const random = [...crypto.getRandomValues(new Uint8Array(10))].map((b) => b.toString(16).padStart(2, "0")).join("");
	const event = { id: `evt_ping_${random}`, type: PING_EVENT_TYPE, timestamp: new Date(now).toISOString(), data: { subscription_id: id } };
	const body = JSON.stringify(event);
	const result = await sendTry(
		{ url: row.url, secrets: subscriptionSecrets(row, now), event_id: event.id, body },
		{ mode: outboundModeOf(env), now: Date.now, fetch: fetcher },
	);
	const deliveryId = `dlv_ping_${random}`;
	const tried = { delivery_id: deliveryId, subscription_id: id, event_id: event.id, event_type: PING_EVENT_TYPE, task_id: null };
	await recordTries(env, tenant, [{ ...tried, url: row.url, body, created_at: now, next_step: null, counts: false, result }], {
		now: Date.now,
		random: Math.random,
	});
	const logged = await store.findDelivery(historyDb(env.DB), tenant, deliveryId);
	if (!logged) {
		throw new Error("a ping's delivery was written but cannot be read");
	}
	return deliveryView(logged);
}

/**
 * The events the tenant's active subscriptions want for a task of `namespace` and `taskType`:
 * from this isolate's cache, read from D1 at most once per SUBSCRIPTION_CACHE_TTL_MS. When D1
 * cannot be read, every event type: the task then owes events the consumer may find nobody
 * wants (a few queue operations), rather than losing one a subscriber wanted, and the create
 * does not fail for it.
 */
export async function subscribedEvents(
	env: Env,
	tenant: string,
	namespace: string,
	taskType: string,
	now = Date.now(),
): Promise<WebhookEventType[]> {
	const filters = cache.get(tenant, now) ?? (await loadFilters(env, tenant, now));
	return filters === null ? [...TASK_EVENT_TYPES] : eventsWanted(filters, namespace, taskType);
}

/** Reads in flight, by tenant: a burst of creates on a cold cache shares one D1 read. */
const loading = new Map<string, Promise<SubscriptionFilter[] | null>>();
/** Bumped by this isolate's subscription writes, so a read that began before one is not cached. */
let generation = 0;

/** After a subscription write: this isolate's next create reads D1 again. */
function forget(tenant: string): void {
	generation++;
	cache.delete(tenant);
	loading.delete(tenant);
}

/** The tenant's filters from D1, cached; null when D1 cannot be read (see subscribedEvents). */
function loadFilters(env: Env, tenant: string, now: number): Promise<SubscriptionFilter[] | null> {
	let load = loading.get(tenant);
	if (!load) {
		const began = generation;
		load = (async () => {
			try {
				count("d1_round_trips");
				const rows = await store.activeSubscriptions(historyDb(env.DB), tenant);
				count("d1_rows_read", Math.max(1, rows.length));
				const filters = rows.map(filterOf);
				if (generation === began) {
					cache.set(tenant, filters, now);
				}
				return filters;
			} catch (error) {
				console.warn("taskplane: webhook subscriptions unreadable; the task owes every event", tenant, error);
				return null;
			} finally {
				if (loading.get(tenant) === load) {
					loading.delete(tenant);
				}
			}
		})();
		loading.set(tenant, load);
	}
	return load;
}
