/**
 * Webhooks against `wrangler dev`: a local HTTP receiver (node:http on 127.0.0.1) subscribes,
 * verifies every request's signature with `standardwebhooks`, answers each event's first try
 * 500 and its second 200, and must end with every event exactly once acknowledged; a task's
 * callback_url gets its terminal event signed with the tenant's signing secret; a delivery is
 * redelivered from the log. The server retries after 1 s (WEBHOOK_RETRY_SCHEDULE in global-setup.ts).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { api, readBody } from "./http";

const base = inject("baseUrl");
/** Tasks of other e2e files run on the same server: this namespace keeps their events out. */
const NAMESPACE = "e2e-webhooks";

interface Hit {
	path: string;
	id: string;
	type: string;
	task_id: string;
	status: number;
}

let server: Server;
let receiverUrl: string;
const secrets: { hook: string; callback: string } = { hook: "", callback: "" };
const hits: Hit[] = [];
const unverified: string[] = [];

beforeAll(async () => {
	server = createServer(async (request, response) => {
		const body = await readBody(request);
		const path = request.url ?? "";
		const secret = path === "/callback" ? secrets.callback : secrets.hook;
		let event: { id: string; type: string; data: { task_id: string } };
		try {
			event = new Webhook(secret).verify(body, request.headers as Record<string, string>) as typeof event;
		} catch (error) {
			unverified.push(`${path}: ${String(error)}`);
			response.writeHead(400).end();
			return;
		}
		const id = String(request.headers["webhook-id"]);
		// Each event's first try fails; the retry succeeds.
		const status = hits.some((h) => h.path === path && h.id === id) ? 200 : 500;
		hits.push({ path, id, type: event.type, task_id: event.data.task_id, status });
		response.writeHead(status).end(status === 200 ? "ok" : "try later");
	});
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	receiverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	secrets.callback = (await api<{ secret: string }>(base, "GET", "/v1/signing-secret")).body.secret;
});

afterAll(async () => {
	await new Promise((resolve) => server.close(resolve));
});

describe("webhooks against wrangler dev", () => {
	it("a subscriber gets each event once after a 500 then a 200; a callback_url gets its task's; a redelivery comes again", async () => {
		const created = await api<{ id: string; secret: string }>(base, "POST", "/v1/webhooks", {
			url: `${receiverUrl}/hook`,
			namespace: NAMESPACE,
			events: ["task.completed", "task.failed"],
		});
		expect(created.status).toBe(201);
		secrets.hook = created.body.secret;

		const tasks = await Promise.all(
			[0, 1, 2].map(async (i) => {
				const body = {
					task_name: "demo.sleep",
					namespace: NAMESPACE,
					payload: { duration_seconds: 0 },
					...(i === 0 ? { callback_url: `${receiverUrl}/callback` } : {}),
				};
				const res = await api<{ task_id: string; callback_url: string | null }>(base, "POST", "/v1/tasks", body);
				expect(res.status).toBe(202);
				return res.body;
			}),
		);
		expect(tasks[0]?.callback_url).toBe(`${receiverUrl}/callback`);
		const ids = tasks.map((t) => t.task_id);

		const acknowledged = (path: string) => hits.filter((h) => h.path === path && h.status === 200);
		await vi.waitFor(
			() => {
				expect(acknowledged("/hook")).toHaveLength(3);
				expect(acknowledged("/callback")).toHaveLength(1);
			},
			{ timeout: 25_000, interval: 200 },
		);
		expect(unverified).toEqual([]);
		expect(
			acknowledged("/hook")
				.map((h) => h.task_id)
				.sort(),
		).toEqual([...ids].sort());
		expect(acknowledged("/hook").every((h) => h.type === "task.completed")).toBe(true);
		expect(acknowledged("/callback")[0]).toMatchObject({ task_id: ids[0], type: "task.completed" });
		// Each event: exactly one 500 and one 200, both with the same webhook-id.
		for (const hit of acknowledged("/hook")) {
			expect(hits.filter((h) => h.path === "/hook" && h.id === hit.id).map((h) => h.status)).toEqual([500, 200]);
		}

		const log = await api<{ deliveries: { id: string; status: string; attempts: number; response_status: number; task_id: string }[] }>(
			base,
			"GET",
			`/v1/webhooks/${created.body.id}/deliveries?status=delivered`,
		);
		expect(log.body.deliveries).toHaveLength(3);
		expect(log.body.deliveries.every((d) => d.attempts === 2 && d.response_status === 200)).toBe(true);

		const [first] = log.body.deliveries;
		const firstHit = acknowledged("/hook").find((h) => h.task_id === first?.task_id);
		const redelivered = await api<{ status: string }>(
			base,
			"POST",
			`/v1/webhooks/${created.body.id}/deliveries/${first?.id}/redeliver`,
			{},
		);
		expect(redelivered.status).toBe(202);
		await vi.waitFor(() => expect(hits.filter((h) => h.id === firstHit?.id)).toHaveLength(3), { timeout: 10_000, interval: 200 });
		await vi.waitFor(
			async () => {
				const again = await api<{ status: string; attempts: number }>(
					base,
					"GET",
					`/v1/webhooks/${created.body.id}/deliveries?task_id=${first?.task_id}`,
				);
				expect(again.body.deliveries[0]).toMatchObject({ status: "delivered", attempts: 3 });
			},
			{ timeout: 5_000, interval: 200 },
		);
	});
});
