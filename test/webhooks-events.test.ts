/**
 * Which task transitions emit a webhook event, through the real API, TaskObject and outbox: one
 * event per terminal transition (and started, retrying when subscribed), none for a tenant
 * without subscriptions, and the per-task callback_url. The events are then delivered through
 * the real consumer to a scripted receiver that verifies every signature with the library.
 */
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { signingSecretsOf } from "../src/services/signing-secret";
import { eventOfTransition } from "../src/webhooks/events";
import { issueKey, send, sendDeployed, uniqueTenant } from "./auth-helpers";
import { consume, deliveries, holdWebhookQueue, receiver, subscribe, verified } from "./webhook-helpers";

afterEach(() => {
	vi.restoreAllMocks();
});

interface Created {
	task_id: string;
	token?: string;
	status: string;
	callback_url: string | null;
}

async function tenantKeys(label: string) {
	const tenant = uniqueTenant(label);
	return { tenant, admin: await issueKey(tenant, ["admin"]) };
}

async function createExternal(key: string, body: Record<string, unknown> = {}): Promise<Created> {
	const res = await send("/v1/tasks", { key, body: { task_name: "ci.deploy", execution: "external", ...body } });
	expect(res.status, await res.clone().text()).toBe(202);
	return res.json<Created>();
}

async function report(task: Created, kind: string, body: unknown = {}): Promise<void> {
	const res = await send(`/v1/tasks/${task.task_id}/${kind}`, { key: task.token, body });
	expect(res.status, await res.clone().text()).toBe(200);
}

/** Waits until the outbox has handed `n` events to the queue (the flush runs after each answer). */
async function eventsSent(held: ReturnType<typeof holdWebhookQueue>, n: number) {
	await vi.waitFor(() => expect(held.events.length).toBeGreaterThanOrEqual(n), { timeout: 4_000, interval: 20 });
	return held.events;
}

describe("which transitions emit an event", () => {
	it("terminal statuses, the start of an attempt and a retry's backoff; nothing else", () => {
		expect(eventOfTransition("PROCESSING", "COMPLETED")).toBe("task.completed");
		expect(eventOfTransition("PROCESSING", "COMPLETED_WITH_ERRORS")).toBe("task.completed_with_errors");
		expect(eventOfTransition("PROCESSING", "FAILED")).toBe("task.failed");
		expect(eventOfTransition("SCHEDULED", "CANCELED")).toBe("task.canceled");
		expect(eventOfTransition("QUEUED", "PROCESSING")).toBe("task.started");
		expect(eventOfTransition("PROCESSING", "SCHEDULED")).toBe("task.retrying");
		expect(eventOfTransition("PENDING", "QUEUED")).toBeNull();
		expect(eventOfTransition("FAILED", "PENDING")).toBeNull();
		expect(eventOfTransition("PROCESSING", "PROCESSING")).toBeNull();
	});
});

describe("task events", () => {
	it("one event per terminal transition, signed and delivered to the subscriber", async () => {
		const held = holdWebhookQueue();
		const { tenant, admin } = await tenantKeys("events");
		const sub = await subscribe(admin.key, { url: "http://hooks.test/a" });
		expect(sub.events).toEqual(["task.completed", "task.completed_with_errors", "task.failed", "task.canceled"]);

		const completed = await createExternal(admin.key);
		await report(completed, "complete", { result: { ok: 1 } });
		const withErrors = await createExternal(admin.key);
		await report(withErrors, "complete", { result: null, errors: [{ item: "row-3", message: "bad row" }] });
		const failed = await createExternal(admin.key);
		await report(failed, "fail", { code: "EXIT_1", message: "boom", retryable: false });
		const canceled = await createExternal(admin.key, { delay_seconds: 3600 });
		expect((await send(`/v1/tasks/${canceled.task_id}/cancel`, { key: admin.key, body: {} })).status).toBe(200);

		const events = await eventsSent(held, 4);
		// Terminal events only (the subscription's default): no task.started for the reports' starts.
		expect(events.map((m) => [m.event.data.task_id, m.event.type])).toEqual([
			[completed.task_id, "task.completed"],
			[withErrors.task_id, "task.completed_with_errors"],
			[failed.task_id, "task.failed"],
			[canceled.task_id, "task.canceled"],
		]);
		expect(events.every((m) => m.tenant === tenant)).toBe(true);
		expect(events[0]?.event.data).toMatchObject({ status: "COMPLETED", result: { ok: 1 } });

		const target = receiver(200);
		await consume(events, { fetch: target.fetch });
		expect(target.received.map((r) => verified(r, sub.secret).type)).toEqual(events.map((m) => m.event.type));
		// webhook-id is the event's id: the same on every try and for every subscriber.
		expect(target.received.map((r) => r.headers["webhook-id"])).toEqual(events.map((m) => m.event.id));
		const log = await deliveries(admin.key, sub.id);
		expect(log.deliveries.map((d) => d.status)).toEqual(["delivered", "delivered", "delivered", "delivered"]);
		expect(log.deliveries.map((d) => d.task_id).sort()).toEqual([completed, withErrors, failed, canceled].map((t) => t.task_id).sort());
		// A queue message delivered twice sends nothing twice.
		await consume(events, { fetch: target.fetch }, 2);
		expect(target.received).toHaveLength(4);
	});

	it("task.started and task.retrying only for a subscription that asks for them", async () => {
		const held = holdWebhookQueue();
		const { admin } = await tenantKeys("lifecycle");
		await subscribe(admin.key, {
			url: "http://hooks.test/b",
			events: ["task.started", "task.retrying", "task.completed"],
			namespace: "jobs",
		});
		const task = await createExternal(admin.key, { namespace: "jobs" });
		await report(task, "start");
		await report(task, "complete", { result: 1 });
		const elsewhere = await createExternal(admin.key, { namespace: "other" });
		await report(elsewhere, "complete", { result: 1 });
		const events = await eventsSent(held, 2);
		await new Promise((resolve) => setTimeout(resolve, 200));
		expect(held.events.map((m) => m.event.type)).toEqual(["task.started", "task.completed"]);
		expect(events.every((m) => m.event.data.task_id === task.task_id)).toBe(true);
	});

	it("task.retrying when a pulled attempt fails with retries left, then task.started for the next", async () => {
		const held = holdWebhookQueue();
		const { admin } = await tenantKeys("retrying");
		await subscribe(admin.key, { url: "http://hooks.test/r", events: ["task.retrying", "task.started"] });
		const res = await send("/v1/tasks", { key: admin.key, body: { task_name: "images.resize", execution: "pull", max_retries: 2 } });
		const task = await res.json<Created>();
		const lease = await vi.waitFor(
			async () => {
				const claimed = await send("/v1/workers/claim", { key: admin.key, body: { task_names: ["images.resize"], max: 1 } });
				const [first] = (await claimed.json<{ tasks: { task_id: string; token: string }[] }>()).tasks;
				expect(first).toBeDefined();
				return first as { task_id: string; token: string };
			},
			{ timeout: 5_000, interval: 50 },
		);
		await report({ ...task, token: lease.token }, "fail", { code: "FLAKY", message: "try again", retryable: true });
		const events = await eventsSent(held, 2);
		expect(events.map((m) => m.event.type)).toEqual(["task.started", "task.retrying"]);
		expect(events[1]?.event.data).toMatchObject({ status: "SCHEDULED", attempt: 2, error_code: "FLAKY" });
	});

	it("a tenant without subscriptions: no event reaches the queue (another tenant's subscription changes nothing)", async () => {
		const held = holdWebhookQueue();
		const other = await tenantKeys("subscribed");
		await subscribe(other.admin.key, { url: "http://hooks.test/c" });
		const { admin } = await tenantKeys("quiet");
		const task = await createExternal(admin.key);
		await report(task, "complete", { result: 1 });
		const failed = await createExternal(admin.key);
		await report(failed, "fail", { code: "X", message: "x", retryable: false });
		await new Promise((resolve) => setTimeout(resolve, 300));
		expect(held.events).toEqual([]);
		expect(env.WEBHOOK_QUEUE.send).not.toHaveBeenCalled();
	});

	it("callback_url: shown on the task, gets the terminal event signed with the tenant's signing secret", async () => {
		const held = holdWebhookQueue();
		const { tenant, admin } = await tenantKeys("callback");
		const task = await createExternal(admin.key, { callback_url: "http://app.test/done" });
		expect(task.callback_url).toBe("http://app.test/done");
		const read = await (await send(`/v1/tasks/${task.task_id}`, { key: admin.key })).json<Created>();
		expect(read.callback_url).toBe("http://app.test/done");
		await report(task, "start");
		await report(task, "complete", { result: { done: true } });
		const [message] = await eventsSent(held, 1);
		expect(message).toMatchObject({ callback_url: "http://app.test/done", event: { type: "task.completed" } });
		const target = receiver(200);
		await consume([message as never], { fetch: target.fetch });
		const [secret] = await signingSecretsOf(env, tenant);
		expect(target.received).toHaveLength(1);
		expect(target.received[0]?.url).toBe("http://app.test/done");
		expect(verified(target.received[0] as never, secret as string)).toMatchObject({
			type: "task.completed",
			data: { task_id: task.task_id },
		});
	});

	it("callback_url passes the SSRF guard at create: 422 in a deployment for a private address", async () => {
		const { admin } = await tenantKeys("ssrf");
		const body = { task_name: "ci.deploy", execution: "external", callback_url: "https://127.0.0.1/hook" };
		const res = await sendDeployed("/v1/tasks", { key: admin.key, body });
		expect(res.status).toBe(422);
		expect((await res.json<{ errors: { path: string }[] }>()).errors[0]?.path).toBe("callback_url");
		const plain = await sendDeployed("/v1/tasks", { key: admin.key, body: { ...body, callback_url: "http://hooks.example.com/x" } });
		expect(plain.status).toBe(422);
	});
});
