/**
 * The dashboard in Chromium against `wrangler dev`: a user enters a key, watches tasks created
 * through the API appear and run (progress bars, statuses) without reloading, filters them,
 * reads a task's timeline, cancels and retries from the UI, reads statistics, namespaces, task
 * types and webhooks; /docs renders Swagger UI from the Worker alone. Screenshots of every page
 * at 1280 and 390 px go to test/e2e/screenshots/.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { openBrowser, type Session, screenshots } from "./browser";

const base = inject("baseUrl");
const run = `ui${Date.now().toString(36)}`;

interface Task {
	task_id: string;
	status: string;
	attempt: number;
}

async function call<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
	const headers: Record<string, string> = body === undefined ? {} : { "content-type": "application/json" };
	const response = await fetch(`${base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
	const text = await response.text();
	return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
}

/** A task of the keyless dev tenant (the key the browser uses belongs to it), tagged with this run. */
async function create(body: Record<string, unknown>): Promise<Task> {
	const created = await call<Task>("POST", "/v1/tasks", { ...body, metadata: { run, ...(body.metadata as object) } });
	expect(created.status).toBe(202);
	return created.body;
}

function waitForStatus(taskId: string, statuses: string[], timeout = 20_000): Promise<Task> {
	return vi.waitFor(
		async () => {
			const { body } = await call<Task>("GET", `/v1/tasks/${taskId}`);
			if (!statuses.includes(body.status)) {
				throw new Error(`task ${taskId} is ${body.status}`);
			}
			return body;
		},
		{ timeout, interval: 100 },
	);
}

/** A local webhook receiver answering 200, counting what it receives. */
async function listen(): Promise<{ port: number; received: number; close(): void }> {
	const state = { port: 0, received: 0, close: () => server.close() };
	const server = createServer((_request, response) => {
		state.received += 1;
		response.end("ok");
	});
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	state.port = (server.address() as AddressInfo).port;
	return state;
}

const row = (page: Page, taskId: string) => page.locator(`tr[data-task-id="${taskId}"]`);

let session: Session;
let page: Page;

beforeAll(async () => {
	session = await openBrowser(base);
	page = session.page;
}, 60_000);

afterAll(async () => {
	await session?.close();
});

describe("dashboard", () => {
	it("asks for a key once, then lists the tasks created through the API and filters them", { timeout: 60_000 }, async () => {
		const key = await call<{ key: string }>("POST", "/v1/api-keys", { name: "dashboard-test", scopes: ["admin"] });
		expect(key.status).toBe(201);
		await page.goto(`${base}/`);
		expect(new URL(page.url()).pathname).toBe("/ui/");
		await page.locator("#api-key").waitFor();
		await screenshots(page, "sign-in");
		await page.locator("#api-key").fill(key.body.key);
		await page.keyboard.press("Enter");
		await page.getByRole("heading", { name: "Tasks" }).waitFor();
		expect(await page.evaluate(() => sessionStorage.getItem("taskplane.key"))).toBe(key.body.key);
		expect(await page.evaluate(() => document.cookie)).toBe("");

		await page.goto(`${base}/ui/#/tasks?metadata=run%3D${run}`);
		const sleeper = await create({ task_name: "demo.sleep", payload: { duration_seconds: 0 } });
		const pulled = await create({ task_name: "report.build", execution: "pull" });
		await row(page, sleeper.task_id).waitFor({ timeout: 15_000 });
		await row(page, pulled.task_id).waitFor({ timeout: 15_000 });
		await expect.poll(() => row(page, sleeper.task_id).getAttribute("data-status"), { timeout: 20_000 }).toBe("COMPLETED");
		expect(await row(page, sleeper.task_id).locator(".badge").innerText()).toContain("COMPLETED");
		await screenshots(page, "tasks");

		await page.getByLabel("Name starts with").fill("report.");
		await page.getByRole("button", { name: "Apply" }).click();
		await expect.poll(() => page.locator("tbody tr").count(), { timeout: 15_000 }).toBe(1);
		expect(await row(page, pulled.task_id).isVisible()).toBe(true);
		await page.getByLabel("Name starts with").fill("nothing.like.this");
		await page.getByRole("button", { name: "Apply" }).click();
		await page.getByText("No tasks match these filters yet.").waitFor();
		await screenshots(page, "tasks-empty");
		await call("POST", `/v1/tasks/${pulled.task_id}/cancel`, { mode: "hard" });
	});

	it("moves a demo.sleep progress bar and turns the row COMPLETED without a reload", { timeout: 60_000 }, async () => {
		await page.goto(`${base}/ui/#/tasks?metadata=run%3D${run}&task_name=demo.sleep`);
		await page.evaluate(() => {
			(window as unknown as { sameDocument: boolean }).sameDocument = true;
		});
		const task = await create({ task_name: "demo.sleep", payload: { duration_seconds: 6 } });
		const bar = row(page, task.task_id).locator('[role="progressbar"]');
		const seen = new Set<number>();
		await vi.waitFor(
			async () => {
				if (await bar.count()) {
					seen.add(Number(await bar.getAttribute("aria-valuenow")));
				}
				const moving = [...seen].filter((v) => v > 0 && v < 100);
				if (moving.length < 2) {
					throw new Error(`progress seen so far: ${[...seen].join(", ")}`);
				}
			},
			{ timeout: 20_000, interval: 200 },
		);
		await screenshots(page, "tasks-live");
		await expect.poll(() => row(page, task.task_id).getAttribute("data-status"), { timeout: 20_000 }).toBe("COMPLETED");
		expect(await bar.getAttribute("aria-valuenow")).toBe("100");
		expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
	});

	it("opens a task from the keyboard and reads its timeline, payload and result", { timeout: 30_000 }, async () => {
		const task = await create({ task_name: "demo.sleep", payload: { duration_seconds: 0 } });
		await waitForStatus(task.task_id, ["COMPLETED"]);
		await page.goto(`${base}/ui/#/tasks?metadata=run%3D${run}`);
		// By keyboard: the row's link takes focus and Enter opens the task.
		await row(page, task.task_id).getByRole("link").focus();
		await page.keyboard.press("Enter");
		await page.locator(".timeline li").first().waitFor();
		const events = (await page.locator(".timeline li .event-type").allInnerTexts()).map((t) => t.trim());
		const { body } = await call<{ events: { type: string }[] }>("GET", `/v1/tasks/${task.task_id}/events`);
		expect(events).toEqual(body.events.map((e) => e.type));
		expect(await page.locator("h1 .badge").innerText()).toContain("COMPLETED");
		expect(await page.locator("section", { hasText: "Payload" }).locator("pre").innerText()).toContain('"duration_seconds": 0');
		await screenshots(page, "task");
	});

	it("cancels a running task from its page, and shows the 409 when it can no longer be cancelled", { timeout: 60_000 }, async () => {
		const task = await create({ task_name: "demo.sleep", payload: { duration_seconds: 60 } });
		await waitForStatus(task.task_id, ["PROCESSING"]);
		await page.goto(`${base}/ui/#/tasks/${task.task_id}`);
		await page.locator("h1 .badge", { hasText: "PROCESSING" }).waitFor();
		await page.getByRole("button", { name: "Hard cancel" }).click();
		await screenshots(page, "task-confirm");
		await page.getByRole("button", { name: "Yes, hard cancel" }).click();
		await page.locator("h1 .badge", { hasText: "CANCELED" }).waitFor({ timeout: 20_000 });
		expect((await call<Task>("GET", `/v1/tasks/${task.task_id}`)).body.status).toBe("CANCELED");
		await page.getByRole("button", { name: "Soft cancel" }).click();
		await page.getByRole("button", { name: "Yes, soft cancel" }).click();
		const refused = page.locator(".notice.error");
		await refused.waitFor();
		expect(await refused.innerText()).toMatch(/^Soft cancel refused — 409 /);
		await screenshots(page, "task-409");
	});

	it("retries a failed task from its page", { timeout: 60_000 }, async () => {
		const task = await create({ task_name: "demo.fail", payload: { retryable: false } });
		await waitForStatus(task.task_id, ["FAILED"]);
		await page.goto(`${base}/ui/#/tasks/${task.task_id}`);
		await page.locator("h1 .badge", { hasText: "FAILED" }).waitFor();
		await page.getByRole("button", { name: "Retry" }).click();
		await page.getByRole("button", { name: "Yes, retry" }).click();
		await page.getByText("Retry: done.").waitFor();
		const retried = await waitForStatus(task.task_id, ["FAILED"]);
		expect(retried.attempt).toBe(2);
		await expect.poll(() => page.locator("dd", { hasText: /^2 of/ }).count(), { timeout: 20_000 }).toBe(1);
		await page.locator("h1 .badge", { hasText: "FAILED" }).waitFor({ timeout: 20_000 });
	});

	it("shows statistics cards and a chart whose totals match the API", { timeout: 60_000 }, async () => {
		await page.goto(`${base}/ui/#/stats`);
		await page.locator("svg.chart rect.bar").first().waitFor({ timeout: 20_000 });
		await vi.waitFor(
			async () => {
				const { body: stats } = await call<Record<string, number>>("GET", "/v1/tasks/stats?hours_ago=1");
				const legend = await page.locator(".legend").innerText();
				for (const [key, name] of [
					["completed", "Completed"],
					["failed", "Failed"],
					["canceled", "Canceled"],
				] as const) {
					expect(legend).toContain(`${name}: ${stats[key]}`);
					expect(await page.locator(`[data-stat="${name}"] strong`).innerText()).toBe(String(stats[key]));
				}
				const bars = await page
					.locator("svg.chart rect.bar")
					.evaluateAll((rects) => rects.reduce((n, r) => n + Number(r.getAttribute("data-count")), 0));
				expect(bars).toBe((stats.completed ?? 0) + (stats.failed ?? 0) + (stats.canceled ?? 0));
			},
			{ timeout: 15_000, interval: 1_000 },
		);
		await screenshots(page, "stats");
	});

	it("shows namespaces and pauses and resumes one", { timeout: 30_000 }, async () => {
		const namespace = `${run}-ns`;
		await create({ task_name: "report.build", execution: "pull", namespace });
		await page.goto(`${base}/ui/#/namespaces`);
		const line = page.locator(`tr[data-namespace="${namespace}"]`);
		await line.waitFor({ timeout: 20_000 });
		await line.getByRole("button", { name: "Pause" }).click();
		await line.getByText("PAUSED").waitFor({ timeout: 15_000 });
		await screenshots(page, "namespaces");
		await line.getByRole("button", { name: "Resume" }).click();
		await line.getByText("ACTIVE").waitFor({ timeout: 15_000 });
	});

	it("lists task types", { timeout: 30_000 }, async () => {
		await page.goto(`${base}/ui/#/types`);
		await page.locator("td", { hasText: "demo.sleep, demo.fail" }).waitFor();
		await screenshots(page, "types");
	});

	it("shows webhooks and their deliveries; a subscription deleted meanwhile is said to be gone", { timeout: 60_000 }, async () => {
		const receiver = await listen();
		try {
			const namespace = `${run}-hooks`;
			const url = `http://127.0.0.1:${receiver.port}/hook`;
			expect((await call("POST", "/v1/webhooks", { url, events: ["task.completed"], namespace })).status).toBe(201);
			await create({ task_name: "demo.sleep", payload: { duration_seconds: 0 }, namespace });
			await vi.waitFor(() => expect(receiver.received).toBeGreaterThan(0), { timeout: 30_000, interval: 200 });
			await page.goto(`${base}/ui/#/webhooks`);
			await page.locator("tr", { hasText: url }).getByRole("button", { name: "Show" }).click();
			const delivery = page.locator("tr[data-delivery-id]", { hasText: "task.completed" });
			await delivery.getByText("delivered").waitFor({ timeout: 20_000 });
			await delivery.getByRole("button", { name: "Redeliver" }).click();
			await page.getByText("Redelivery queued.").waitFor();
			expect(await page.locator(".notice.error").count()).toBe(0);
			await screenshots(page, "webhooks");

			// Deleted in another tab: the row still shows, and its log says what the API said.
			const gone = `http://127.0.0.1:${receiver.port}/gone`;
			const { id } = (await call<{ id: string }>("POST", "/v1/webhooks", { url: gone, namespace })).body;
			await page.goto(`${base}/ui/#/tasks`);
			await page.goto(`${base}/ui/#/webhooks`);
			const row = page.locator("tr", { hasText: gone });
			await row.waitFor();
			expect((await call("DELETE", `/v1/webhooks/${id}`)).status).toBe(204);
			await row.getByRole("button", { name: "Show" }).click();
			await page.locator(".notice.error", { hasText: "no webhook subscription with this id" }).waitFor();
		} finally {
			receiver?.close();
		}
	});

	it("serves /docs from the Worker alone, and its Authorize button sends the key", { timeout: 180_000 }, async () => {
		// Generous: Chromium parses 1.7 MB of Swagger UI, slow on a loaded 2-core machine.
		await page.goto(`${base}/docs`, { waitUntil: "domcontentloaded", timeout: 90_000 });
		await page.locator(".swagger-ui .info .title", { hasText: "taskplane" }).waitFor({ timeout: 90_000 });
		await page
			.getByRole("button", { name: /Authorize/ })
			.first()
			.click();
		await page.locator(".auth-container input").first().fill("tp_docs_test_key");
		await page.locator(".auth-btn-wrapper button.authorize").first().click();
		await page.getByRole("button", { name: "Close" }).first().click();
		await screenshots(page, "docs", false);
		const operation = page.locator("[id$='-listNamespaces']").first();
		await operation.locator(".opblock-summary").click();
		await operation.getByRole("button", { name: "Try it out" }).click();
		const sent = page.waitForRequest((r) => new URL(r.url()).pathname === "/v1/namespaces");
		await operation.getByRole("button", { name: "Execute" }).click();
		expect((await sent).headers().authorization).toBe("Bearer tp_docs_test_key");
		expect(session.foreign).toEqual([]);
	});
});
