import { exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { LiveFeed } from "../src/task/live";
import type { Task } from "../src/task/task";

interface SseEvent {
	event: string;
	data: Record<string, unknown>;
}

/** Reads SSE frames as they arrive; comment lines (heartbeats) come back as event ":". */
function sseReader(body: ReadableStream<Uint8Array>) {
	const reader = body.pipeThrough(new TextDecoderStream()).getReader();
	let buffer = "";
	return {
		async next(): Promise<SseEvent | null> {
			for (;;) {
				const end = buffer.indexOf("\n\n");
				if (end >= 0) {
					const frame = buffer.slice(0, end);
					buffer = buffer.slice(end + 2);
					if (frame.startsWith(":")) {
						return { event: ":", data: {} };
					}
					const event = /^event: (.*)$/m.exec(frame)?.[1] ?? "message";
					const data = /^data: (.*)$/m.exec(frame)?.[1] ?? "null";
					return { event, data: JSON.parse(data) };
				}
				const { done, value } = await reader.read();
				if (done) {
					return null;
				}
				buffer += value;
			}
		},
		cancel: () => reader.cancel(),
	};
}

async function create(body: Record<string, unknown>): Promise<Task & { token?: string }> {
	const res = await exports.default.fetch("http://x/v1/tasks", {
		method: "POST",
		headers: { "content-type": "application/json" },
		body: JSON.stringify(body),
	});
	expect(res.status).toBe(202);
	return res.json<Task & { token?: string }>();
}

async function open(taskId: string) {
	const res = await exports.default.fetch(`http://x/v1/tasks/${taskId}/stream`);
	expect(res.status).toBe(200);
	expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
	return sseReader(res.body as ReadableStream<Uint8Array>);
}

describe("GET /v1/tasks/{id}/stream", () => {
	it("sends the snapshot at once, then status, progress and log events, and ends after the final snapshot", async () => {
		// An external runner's reports, so the test decides what the stream sees and when.
		const task = await create({ task_name: "demo.sleep", execution: "external" });
		const stream = await open(task.task_id);
		const first = await stream.next();
		expect(first?.event).toBe("snapshot");
		expect(first?.data.task_id).toBe(task.task_id);

		const report = async (kind: string, body: unknown) => {
			const res = await exports.default.fetch(`http://x/v1/tasks/${task.task_id}/${kind}`, {
				method: "POST",
				headers: { "content-type": "application/json", authorization: `Bearer ${task.token}` },
				body: JSON.stringify(body),
			});
			expect(res.status, await res.clone().text()).toBe(200);
		};
		await report("start", {});
		await report("progress", { done: 1, total: 2, percent: 50 });
		await report("log", { message: "hello from the test", data: { step: 1 } });
		await report("progress", { done: 2, total: 2, percent: 100 });
		await report("complete", { result: { slept_seconds: 2 } });

		const events: SseEvent[] = [];
		for (let e = await stream.next(); e !== null; e = await stream.next()) {
			events.push(e);
		}
		const names = events.map((e) => e.event);
		expect(names).toContain("progress");
		expect(events.find((e) => e.event === "log")?.data).toMatchObject({ message: "hello from the test", data: { step: 1 }, attempt: 1 });
		const progress = events.filter((e) => e.event === "progress").map((e) => e.data.progress as { done: number });
		expect(progress.at(-1)).toMatchObject({ done: 2, total: 2, percent: 100 });
		const statuses = events.filter((e) => e.event === "status");
		expect(statuses.at(-1)?.data).toMatchObject({ type: "completed", from_status: "PROCESSING", to_status: "COMPLETED" });
		// The end: the final snapshot is the last frame, then the stream closes (the loop ended).
		expect(events.at(-1)).toMatchObject({ event: "snapshot", data: { status: "COMPLETED", result: { slept_seconds: 2 } } });
		expect(names.indexOf("status")).toBeLessThan(names.lastIndexOf("snapshot"));
	});

	it("answers a finished task with its final snapshot and ends", async () => {
		const task = await create({ task_name: "demo.sleep", payload: { duration_seconds: 0 } });
		await vi.waitFor(
			async () => {
				const got = await exports.default.fetch(`http://x/v1/tasks/${task.task_id}`);
				expect((await got.json<Task>()).status).toBe("COMPLETED");
			},
			{ timeout: 10_000, interval: 20 },
		);
		const stream = await open(task.task_id);
		expect(await stream.next()).toMatchObject({ event: "snapshot", data: { status: "COMPLETED" } });
		expect(await stream.next()).toBeNull();
	});

	it("ends with CANCELED when a waiting task is cancelled", async () => {
		const task = await create({ task_name: "demo.sleep", delay_seconds: 3600 });
		const stream = await open(task.task_id);
		expect(await stream.next()).toMatchObject({ event: "snapshot", data: { status: "SCHEDULED" } });
		const res = await exports.default.fetch(`http://x/v1/tasks/${task.task_id}/cancel`, { method: "POST" });
		expect(res.status).toBe(200);
		expect(await stream.next()).toMatchObject({ event: "status", data: { from_status: "SCHEDULED", to_status: "CANCELED" } });
		expect(await stream.next()).toMatchObject({ event: "snapshot", data: { status: "CANCELED" } });
		expect(await stream.next()).toBeNull();
	});

	it("is a 404 problem for an unknown or malformed task id", async () => {
		for (const id of ["01936f6e-8b9a-7c3d-9e2f-0a1b2c3d4e5f", "nope"]) {
			const res = await exports.default.fetch(`http://x/v1/tasks/${id}/stream`);
			expect(res.status).toBe(404);
			expect(res.headers.get("content-type")).toBe("application/problem+json");
			expect(await res.json()).toMatchObject({ code: "NOT_FOUND" });
		}
	});
});

describe("LiveFeed", () => {
	afterEach(() => {
		vi.useRealTimers();
	});

	it("writes a heartbeat comment while a stream is open, and stops when its reader leaves", async () => {
		vi.useFakeTimers();
		const feed = new LiveFeed(15_000);
		const task = { task_id: "t", status: "PROCESSING", progress: null } as unknown as Task;
		const stream = sseReader(feed.open(task));
		expect((await stream.next())?.event).toBe("snapshot");
		vi.advanceTimersByTime(15_000);
		expect((await stream.next())?.event).toBe(":");
		expect(feed.size).toBe(1);
		await stream.cancel();
		expect(feed.size).toBe(0);
		expect(vi.getTimerCount()).toBe(0);
	});
});
