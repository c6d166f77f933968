/**
 * Push targets against `wrangler dev`: a local HTTP server (node:http on 127.0.0.1) is the
 * target, verifies every request's signature with `standardwebhooks` and the tenant's secret,
 * and answers as each task's payload asks. Each task must end as the outcome table says.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { api, readBody } from "./http";

const base = inject("baseUrl");

interface Task {
	task_id: string;
	status: string;
	attempt: number;
	retry_count: number;
	error_code: string | null;
	error_message: string | null;
	execution: string;
	result: unknown;
}

interface Pushed {
	task_id: string;
	attempt: number;
	payload: { answers: number[] };
	token: string;
	report_url: string;
}

let server: Server;
let targetUrl: string;
let secret: string;
/** Every request the target received, verified. */
const received: Pushed[] = [];
const unverified: string[] = [];

/** After a 202, the target reports as a real one would: progress, then complete, with the token. */
async function reportLater(pushed: Pushed): Promise<void> {
	const headers = { authorization: `Bearer ${pushed.token}`, "content-type": "application/json" };
	await fetch(`${pushed.report_url}/progress`, { method: "POST", headers, body: JSON.stringify({ percent: 50 }) });
	await fetch(`${pushed.report_url}/complete`, { method: "POST", headers, body: JSON.stringify({ result: { reported: true } }) });
}

beforeAll(async () => {
	secret = (await api<{ secret: string }>(base, "GET", "/v1/signing-secret")).body.secret;
	server = createServer(async (request, response) => {
		const body = await readBody(request);
		let pushed: Pushed;
		try {
			pushed = new Webhook(secret).verify(body, request.headers as Record<string, string>) as Pushed;
		} catch (error) {
			unverified.push(String(error));
			response.writeHead(401).end();
			return;
		}
		received.push(pushed);
		// The payload scripts one answer per attempt; the last one repeats.
		const { answers } = pushed.payload;
		const status = answers[Math.min(pushed.attempt, answers.length) - 1] ?? 200;
		if (status === 202) {
			response.writeHead(202).end();
			setTimeout(() => void reportLater(pushed), 50);
			return;
		}
		response.writeHead(status, { "content-type": "application/json" });
		response.end(status < 300 ? JSON.stringify({ answered: status, attempt: pushed.attempt }) : `no (${status})`);
	});
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	targetUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/run`;
});

afterAll(async () => {
	await new Promise((resolve) => server.close(resolve));
});

async function pushTask(answers: number[], maxRetries = 3): Promise<Task> {
	const created = await api<Task>(base, "POST", "/v1/tasks", {
		task_name: "render.video",
		payload: { answers },
		max_retries: maxRetries,
		target: { url: targetUrl, timeout_seconds: 10 },
	});
	expect(created.status).toBe(202);
	expect(created.body.execution).toBe("http");
	return created.body;
}

async function waitForEnd(taskId: string, timeout = 20_000): Promise<Task> {
	return vi.waitFor(
		async () => {
			const { body } = await api<Task>(base, "GET", `/v1/tasks/${taskId}`);
			if (!["COMPLETED", "FAILED", "CANCELED", "COMPLETED_WITH_ERRORS"].includes(body.status)) {
				throw new Error(`task ${taskId} is ${body.status} (attempt ${body.attempt})`);
			}
			return body;
		},
		{ timeout, interval: 100 },
	);
}

const pushesOf = (taskId: string) => received.filter((r) => r.task_id === taskId);

describe("a push target (node:http on 127.0.0.1)", () => {
	it("answering 200 completes the task with its JSON body", async () => {
		const task = await pushTask([200]);
		const done = await waitForEnd(task.task_id);
		expect(done).toMatchObject({ status: "COMPLETED", attempt: 1, result: { answered: 200, attempt: 1 } });
		expect(pushesOf(task.task_id)).toHaveLength(1);
		expect(pushesOf(task.task_id)[0]?.report_url).toBe(`${base}/v1/tasks/${task.task_id}`);
	});

	it("answering 202 and then reporting with the token completes the task with the reported result", async () => {
		const task = await pushTask([202]);
		const done = await waitForEnd(task.task_id);
		expect(done).toMatchObject({ status: "COMPLETED", attempt: 1, result: { reported: true } });
	});

	it("answering 400 fails the task for good: HTTP_400, never retried", async () => {
		const task = await pushTask([400]);
		const done = await waitForEnd(task.task_id);
		expect(done).toMatchObject({ status: "FAILED", error_code: "HTTP_400", retry_count: 0, attempt: 1 });
		expect(done.error_message).toBe("the target answered 400: no (400)");
		expect(pushesOf(task.task_id)).toHaveLength(1);
	});

	it("answering 503 is retried: the next attempt is pushed and completes", async () => {
		const task = await pushTask([503, 200]);
		const done = await waitForEnd(task.task_id);
		expect(done).toMatchObject({ status: "COMPLETED", attempt: 2, retry_count: 1, result: { answered: 200, attempt: 2 } });
		expect(pushesOf(task.task_id).map((p) => p.attempt)).toEqual([1, 2]);
	});

	it("answering 500 on every attempt fails once the retries are spent", async () => {
		const task = await pushTask([500], 1);
		const done = await waitForEnd(task.task_id);
		expect(done).toMatchObject({ status: "FAILED", error_code: "HTTP_500", attempt: 2, retry_count: 1 });
	});

	it("every request the target received carried a valid signature", () => {
		expect(unverified).toEqual([]);
		expect(received.length).toBeGreaterThanOrEqual(7);
	});
});
