/**
 * Delivery through the real consumer and D1 with a scripted receiver: retries on the schedule
 * with jitter, the dead letter after it, redelivery, a subscription disabled after 3 days of
 * failures, namespace and type filters, the delivery log's filters and pages, and tenants kept
 * apart.
 */

import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { purgeExpiredHistory } from "../src/services/retention";
import { DEFAULT_RETRY_SCHEDULE_SECONDS, DISABLE_AFTER_MS, retryDelaySeconds, retrySchedule } from "../src/webhooks/schedule";
import { expectProblem, issueKey, send, sendDeployed, uniqueTenant } from "./auth-helpers";
import { consume, deliveries, eventMessage, holdWebhookQueue, receiver, type Subscription, subscribe, verified } from "./webhook-helpers";

afterEach(() => {
	vi.restoreAllMocks();
});

async function admin(label: string) {
	const tenant = uniqueTenant(label);
	return { tenant, key: (await issueKey(tenant, ["admin"])).key };
}

async function getSubscription(key: string, id: string): Promise<Subscription> {
	return (await send(`/v1/webhooks/${id}`, { key })).json<Subscription>();
}

describe("the retry schedule", () => {
	it("5 s, 5 min, 30 min, 2 h, 5 h, 8 h, 8 h: about a day, each within ±20 %", () => {
		const total = DEFAULT_RETRY_SCHEDULE_SECONDS.reduce((a, b) => a + b, 0);
		expect(total / 3600).toBeGreaterThan(22);
		expect(total / 3600).toBeLessThan(26);
		DEFAULT_RETRY_SCHEDULE_SECONDS.forEach((base, step) => {
			expect(retryDelaySeconds(DEFAULT_RETRY_SCHEDULE_SECONDS, step, () => 0)).toBe(Math.round(base * 0.8));
			expect(retryDelaySeconds(DEFAULT_RETRY_SCHEDULE_SECONDS, step, () => 0.999999)).toBe(Math.round(base * 1.2));
		});
		expect(retryDelaySeconds(DEFAULT_RETRY_SCHEDULE_SECONDS, DEFAULT_RETRY_SCHEDULE_SECONDS.length, () => 0.5)).toBeNull();
		expect(retrySchedule({ WEBHOOK_RETRY_SCHEDULE: "1, 2,3" })).toEqual([1, 2, 3]);
		expect(retrySchedule({ WEBHOOK_RETRY_SCHEDULE: "soon" })).toBe(DEFAULT_RETRY_SCHEDULE_SECONDS);
	});

	it("a failing delivery is retried on the schedule with the same webhook-id, then dead-lettered; redelivery sends it again", async () => {
		const held = holdWebhookQueue();
		const { tenant, key } = await admin("retries");
		const sub = await subscribe(key, { url: "http://hooks.test/retry" });
		const target = receiver(500);
		const message = eventMessage(tenant, "task.failed", {});
		await consume([message], { fetch: target.fetch });
		let [delivery] = (await deliveries(key, sub.id)).deliveries;
		expect(delivery).toMatchObject({ status: "failed", attempts: 1, response_status: 500, last_error: "HTTP 500: nope" });
		expect(held.retries.map((r) => [r.body.step, r.delaySeconds])).toEqual([[0, 5]]);

		for (let step = 0; step < DEFAULT_RETRY_SCHEDULE_SECONDS.length; step++) {
			const retry = held.retries.at(-1);
			expect(retry?.body.step).toBe(step);
			expect(retry?.delaySeconds).toBe(DEFAULT_RETRY_SCHEDULE_SECONDS[step]);
			await consume([retry?.body as never], { fetch: target.fetch });
		}
		[delivery] = (await deliveries(key, sub.id)).deliveries;
		expect(delivery).toMatchObject({ status: "dead_letter", attempts: 8, next_attempt_at: null });
		expect(held.retries).toHaveLength(DEFAULT_RETRY_SCHEDULE_SECONDS.length);
		expect(new Set(target.received.map((r) => r.headers["webhook-id"]))).toEqual(new Set([message.event.id]));
		expect(target.received.every((r) => verified(r, sub.secret).id === message.event.id)).toBe(true);

		const res = await send(`/v1/webhooks/${sub.id}/deliveries/${delivery?.id}/redeliver`, { key, body: {} });
		expect(res.status).toBe(202);
		expect(await res.json()).toMatchObject({ status: "pending" });
		expect(held.redeliveries).toEqual([{ kind: "delivery", tenant, delivery_id: delivery?.id, step: -1 }]);
		const healed = receiver(200);
		await consume(held.redeliveries, { fetch: healed.fetch });
		expect(healed.received.map((r) => r.headers["webhook-id"])).toEqual([message.event.id]);
		expect((await deliveries(key, sub.id)).deliveries[0]).toMatchObject({ status: "delivered", attempts: 9, response_status: 200 });
	});

	it("a redelivery the queue refuses is a 5xx that leaves the log as it was", async () => {
		holdWebhookQueue();
		const { tenant, key } = await admin("refused");
		const sub = await subscribe(key, { url: "http://hooks.test/refused" });
		await consume([eventMessage(tenant, "task.failed", {})], { fetch: receiver(500).fetch });
		const [before] = (await deliveries(key, sub.id)).deliveries;
		vi.spyOn(env.WEBHOOK_QUEUE, "send").mockRejectedValue(new Error("queue unavailable"));
		const res = await send(`/v1/webhooks/${sub.id}/deliveries/${before?.id}/redeliver`, { key, body: {} });
		expect(res.status).toBeGreaterThanOrEqual(500);
		expect((await deliveries(key, sub.id)).deliveries[0]).toEqual(before);
	});

	it("a URL with a user or password is a 422 (it would be sent and shown everywhere)", async () => {
		const { key } = await admin("userinfo");
		await expectProblem(await send("/v1/webhooks", { key, body: { url: "http://user:pw@hooks.test/x" } }), 422, "VALIDATION_FAILED");
		await expectProblem(
			await send("/v1/tasks", { key, body: { task_name: "demo.sleep", callback_url: "https://user@hooks.test/x" } }),
			422,
			"VALIDATION_FAILED",
		);
	});

	it("a 500 then a 200: delivered on the first retry", async () => {
		const held = holdWebhookQueue();
		const { tenant, key } = await admin("flaky");
		const sub = await subscribe(key, { url: "http://hooks.test/flaky" });
		const target = receiver(500, 200);
		await consume([eventMessage(tenant, "task.completed", {})], { fetch: target.fetch });
		await consume([held.retries[0]?.body as never], { fetch: target.fetch });
		expect((await deliveries(key, sub.id)).deliveries[0]).toMatchObject({ status: "delivered", attempts: 2 });
		expect(held.retries).toHaveLength(1);
		expect((await getSubscription(key, sub.id)).failing_since).toBeNull();
	});
});

describe("a subscription failing every delivery", () => {
	it("is disabled after 3 days, says why and since when, receives nothing more, and can be re-enabled", async () => {
		holdWebhookQueue();
		const { tenant, key } = await admin("disable");
		const sub = await subscribe(key, { url: "http://hooks.test/down" });
		const down = receiver(503);
		const t0 = Date.now();
		await consume([eventMessage(tenant, "task.completed", {})], { fetch: down.fetch, now: () => t0 });
		expect(await getSubscription(key, sub.id)).toMatchObject({ enabled: true, failing_since: new Date(t0).toISOString() });
		await consume([eventMessage(tenant, "task.completed", {})], { fetch: down.fetch, now: () => t0 + DISABLE_AFTER_MS - 1000 });
		expect((await getSubscription(key, sub.id)).enabled).toBe(true);
		await consume([eventMessage(tenant, "task.completed", {})], { fetch: down.fetch, now: () => t0 + DISABLE_AFTER_MS + 1000 });
		const disabled = await getSubscription(key, sub.id);
		expect(disabled).toMatchObject({ enabled: false, failing_since: new Date(t0).toISOString() });
		expect(disabled.disabled_reason).toMatch(/every delivery failed for 3 days; the last: HTTP 503/);
		expect(down.received).toHaveLength(3);

		await consume([eventMessage(tenant, "task.completed", {})], { fetch: down.fetch });
		expect(down.received).toHaveLength(3);
		// A redelivery would not be sent either: refused at once rather than queued to dead-letter.
		const [logged] = (await deliveries(key, sub.id)).deliveries;
		const redeliver = () => send(`/v1/webhooks/${sub.id}/deliveries/${logged?.id}/redeliver`, { key, body: {} });
		expect((await expectProblem(await redeliver(), 409, "CONFLICT")).detail).toContain("disabled");
		expect((await deliveries(key, sub.id)).deliveries[0]).toMatchObject({ id: logged?.id, status: logged?.status });

		const res = await send(`/v1/webhooks/${sub.id}`, { key, method: "PATCH", body: { enabled: true } });
		expect(await res.json()).toMatchObject({ enabled: true, disabled_reason: null, failing_since: null });
		await consume([eventMessage(tenant, "task.completed", {})], { fetch: down.fetch });
		expect(down.received).toHaveLength(4);
		expect((await redeliver()).status).toBe(202);
	});

	it("one success in between starts the 3 days again", async () => {
		holdWebhookQueue();
		const { tenant, key } = await admin("recover");
		const sub = await subscribe(key, { url: "http://hooks.test/sometimes" });
		const t0 = Date.now();
		await consume([eventMessage(tenant, "task.completed", {})], { fetch: receiver(500).fetch, now: () => t0 });
		await consume([eventMessage(tenant, "task.completed", {})], { fetch: receiver(200).fetch, now: () => t0 + 1000 });
		await consume([eventMessage(tenant, "task.completed", {})], { fetch: receiver(500).fetch, now: () => t0 + DISABLE_AFTER_MS + 1 });
		expect(await getSubscription(key, sub.id)).toMatchObject({
			enabled: true,
			failing_since: new Date(t0 + DISABLE_AFTER_MS + 1).toISOString(),
		});
	});
});

describe("retention", () => {
	it("deliveries go with task history, after HISTORY_RETENTION_DAYS", async () => {
		holdWebhookQueue();
		const { tenant, key } = await admin("retention");
		const sub = await subscribe(key, { url: "http://hooks.test/old" });
		const days = Number(env.HISTORY_RETENTION_DAYS);
		const old = Date.now() - (days + 1) * 86_400_000;
		await consume([eventMessage(tenant, "task.completed", {})], { fetch: receiver(200).fetch, now: () => old });
		await consume([eventMessage(tenant, "task.failed", {})], { fetch: receiver(200).fetch });
		expect((await deliveries(key, sub.id)).deliveries).toHaveLength(2);
		await purgeExpiredHistory(env);
		expect((await deliveries(key, sub.id)).deliveries.map((d) => d.event_type)).toEqual(["task.failed"]);
	});
});

describe("filters", () => {
	it("a subscription gets only its event types, namespace and task type", async () => {
		holdWebhookQueue();
		const { tenant, key } = await admin("filters");
		const billing = await subscribe(key, { url: "http://hooks.test/billing", namespace: "billing" });
		const etl = await subscribe(key, { url: "http://hooks.test/etl", task_type: "etl", events: ["task.failed"] });
		const everything = await subscribe(key, { url: "http://hooks.test/all", events: ["task.completed", "task.failed", "task.started"] });
		const target = receiver(200);
		await consume(
			[
				eventMessage(tenant, "task.completed", { namespace: "billing", task_type: "invoice" }),
				eventMessage(tenant, "task.failed", { namespace: "default", task_type: "etl" }),
				eventMessage(tenant, "task.completed", { namespace: "default", task_type: "etl" }),
				eventMessage(tenant, "task.started", { namespace: "billing", task_type: "etl" }),
			],
			{ fetch: target.fetch },
		);
		const got = (url: string) => target.received.filter((r) => r.url === url).map((r) => r.event.type);
		expect(got("http://hooks.test/billing")).toEqual(["task.completed"]);
		expect(got("http://hooks.test/etl")).toEqual(["task.failed"]);
		expect(got("http://hooks.test/all").sort()).toEqual(["task.completed", "task.completed", "task.failed", "task.started"]);
		expect((await deliveries(key, billing.id)).deliveries).toHaveLength(1);
		expect((await deliveries(key, etl.id)).deliveries).toHaveLength(1);

		const log = async (query: string) => (await deliveries(key, everything.id, query)).deliveries.map((d) => d.event_type).sort();
		expect(await log("?event_type=task.completed")).toEqual(["task.completed", "task.completed"]);
		expect(await log("?event_type=task.failed,task.started")).toEqual(["task.failed", "task.started"]);
		expect(await log("?status=failed")).toEqual([]);
		const first = await deliveries(key, everything.id, "?limit=3");
		expect(first.deliveries).toHaveLength(3);
		const rest = await deliveries(key, everything.id, `?limit=3&cursor=${first.next_cursor}`);
		expect(rest.deliveries).toHaveLength(1);
		expect(rest.next_cursor).toBeNull();
		const ids = [...first.deliveries, ...rest.deliveries].map((d) => d.id);
		expect(new Set(ids).size).toBe(4);
		await expectProblem(await send(`/v1/webhooks/${everything.id}/deliveries?status=lost`, { key }), 422, "VALIDATION_FAILED");
		await expectProblem(await send(`/v1/webhooks/${everything.id}/deliveries?cursor=nope`, { key }), 422, "VALIDATION_FAILED");
	});
});

describe("tenant isolation", () => {
	it("A's subscriptions never receive B's events, and A cannot read or touch B's subscriptions and deliveries", async () => {
		holdWebhookQueue();
		const a = await admin("tenant-a");
		const b = await admin("tenant-b");
		const subA = await subscribe(a.key, { url: "http://hooks.test/a" });
		const subB = await subscribe(b.key, { url: "http://hooks.test/b" });
		const target = receiver(200);
		await consume([eventMessage(b.tenant, "task.completed", {})], { fetch: target.fetch });
		expect(target.received.map((r) => r.url)).toEqual(["http://hooks.test/b"]);
		expect((await deliveries(a.key, subA.id)).deliveries).toEqual([]);
		const [deliveryB] = (await deliveries(b.key, subB.id)).deliveries;

		for (const [method, path] of [
			["GET", `/v1/webhooks/${subB.id}`],
			["GET", `/v1/webhooks/${subB.id}/deliveries`],
			["PATCH", `/v1/webhooks/${subB.id}`],
			["DELETE", `/v1/webhooks/${subB.id}`],
			["POST", `/v1/webhooks/${subB.id}/rotate-secret`],
			["POST", `/v1/webhooks/${subB.id}/test`],
			["POST", `/v1/webhooks/${subB.id}/deliveries/${deliveryB?.id}/redeliver`],
			["POST", `/v1/webhooks/${subA.id}/deliveries/${deliveryB?.id}/redeliver`],
		] as const) {
			const body = method === "PATCH" ? { description: "mine now" } : method === "POST" ? {} : undefined;
			await expectProblem(await send(path, { key: a.key, method, body }), 404, "NOT_FOUND");
		}
		expect((await (await send("/v1/webhooks", { key: a.key })).json<{ webhooks: { id: string }[] }>()).webhooks.map((w) => w.id)).toEqual([
			subA.id,
		]);
	});

	it("subscriptions need the admin scope; the root admin token is told to use a tenant's key", async () => {
		const tenant = uniqueTenant("scopes");
		const writer = await issueKey(tenant, ["tasks:read", "tasks:write"]);
		await expectProblem(await send("/v1/webhooks", { key: writer.key }), 403, "FORBIDDEN");
		await expectProblem(await send("/v1/webhooks", { key: writer.key, body: { url: "http://hooks.test/x" } }), 403, "FORBIDDEN");
	});
});

describe("the subscription API", () => {
	it("create shows the secret once; rotate shows a new one and the old keeps verifying; a test ping is signed and logged", async () => {
		holdWebhookQueue();
		const { key } = await admin("api");
		const created = await subscribe(key, {
			url: "http://hooks.test/api",
			description: "ops alerts",
			events: ["task.failed", "task.failed"],
		});
		expect(created.secret).toMatch(/^whsec_/);
		expect(created.events).toEqual(["task.failed"]);
		expect(await getSubscription(key, created.id)).not.toHaveProperty("secret");
		await expectProblem(await send("/v1/webhooks", { key, body: { url: "ftp://hooks.test" } }), 422, "VALIDATION_FAILED");
		await expectProblem(
			await send("/v1/webhooks", { key, body: { url: "http://hooks.test", events: ["task.exploded"] } }),
			422,
			"VALIDATION_FAILED",
		);
		// A type's name, not its display name: "Nightly reports" is the task_type of no task.
		const display = await send("/v1/webhooks", { key, body: { url: "http://hooks.test", task_type: "Nightly reports" } });
		const refusedType = (await expectProblem(display, 422, "VALIDATION_FAILED")) as { errors?: { path: string }[] };
		expect(refusedType.errors?.[0]?.path).toBe("task_type");

		for (const url of ["https://10.0.0.7/hooks", "https://[::1]/hooks", "http://hooks.example.com/x"]) {
			const refused = await sendDeployed("/v1/webhooks", { key, body: { url } });
			expect(refused.status, url).toBe(422);
			expect((await refused.json<{ errors: { path: string }[] }>()).errors[0]?.path).toBe("url");
		}

		const rotated = await (await send(`/v1/webhooks/${created.id}/rotate-secret`, { key, body: {} })).json<
			Subscription & { previous_secret_expires_at: string }
		>();
		expect(rotated.secret).not.toBe(created.secret);
		expect(Date.parse(rotated.previous_secret_expires_at) - Date.now()).toBeGreaterThan(23 * 3600_000);

		const target = receiver(200);
		const fetchSpy = vi.spyOn(globalThis, "fetch").mockImplementation(target.fetch);
		const ping = await send(`/v1/webhooks/${created.id}/test`, { key, body: {} });
		fetchSpy.mockRestore();
		expect(ping.status).toBe(200);
		expect(await ping.json()).toMatchObject({ status: "delivered", response_status: 200, event_type: "webhook.ping", attempts: 1 });
		const [request] = target.received;
		expect(verified(request as never, rotated.secret)).toMatchObject({ type: "webhook.ping", data: { subscription_id: created.id } });
		expect(verified(request as never, created.secret).type).toBe("webhook.ping");
		expect((await deliveries(key, created.id, "?event_type=webhook.ping")).deliveries).toHaveLength(1);

		const patched = await send(`/v1/webhooks/${created.id}`, { key, method: "PATCH", body: { namespace: "ops", events: [] } });
		expect(await patched.json()).toMatchObject({
			namespace: "ops",
			description: "ops alerts",
			events: ["task.completed", "task.completed_with_errors", "task.failed", "task.canceled"],
		});
		expect((await send(`/v1/webhooks/${created.id}`, { key, method: "DELETE" })).status).toBe(204);
		await expectProblem(await send(`/v1/webhooks/${created.id}`, { key }), 404, "NOT_FOUND");
	});
});
