import { exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { LiveFeed } from "../src/task/live";
import type { Task } from "../src/task/task";
import { createClaimedTask } from "./helpers";

interface SseEvent {
	event: string;
	data: Record<string, unknown>;
	/** The frame's `id:`, if it had one. */
	id?: number;
}

/**
 * Reads SSE frames as they arrive; comment lines (heartbeats) come back as event ":". A frame
 * holding only `retry:` is not an event: its value is kept in `retry`.
 */
function sseReader(body: ReadableStream<Uint8Array>) {
	const reader = body.pipeThrough(new TextDecoderStream()).getReader();
	let buffer = "";
	const state = { retry: null as number | null };
	return {
		state,
		async next(): Promise<SseEvent | null> {
			for (;;) {
				const end = buffer.indexOf("\n\n");
				if (end >= 0) {
					const frame = buffer.slice(0, end);
					buffer = buffer.slice(end + 2);
					if (frame.startsWith(":")) {
						return { event: ":", data: {} };
					}
					const retry = /^retry: (\d+)$/.exec(frame)?.[1];
					if (retry !== undefined) {
						state.retry = Number(retry);
						continue;
					}
					const event = /^event: (.*)$/m.exec(frame)?.[1] ?? "message";
					const data = /^data: (.*)$/m.exec(frame)?.[1] ?? "null";
					const id = /^id: (.*)$/m.exec(frame)?.[1];
					return { event, data: JSON.parse(data), ...(id === undefined ? {} : { id: Number(id) }) };
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

/** The seqs /events lists, oldest first. */
async function eventSeqs(taskId: string): Promise<number[]> {
	const res = await exports.default.fetch(`http://x/v1/tasks/${taskId}/events`);
	const body = await res.json<{ events: { seq: number }[] }>();
	return body.events.map((e) => e.seq);
}

async function open(taskId: string, lastEventId?: number) {
	const headers: Record<string, string> = lastEventId === undefined ? {} : { "Last-Event-ID": String(lastEventId) };
	const res = await exports.default.fetch(`http://x/v1/tasks/${taskId}/stream`, { headers });
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

	it("ids every status and log frame with its seq, so a reconnecting client gets exactly what it missed", async () => {
		// A claimed pull task: the test is its worker, so nothing races the reports below.
		const task = await createClaimedTask({ task_name: "stream.resume" });
		const report = (kind: string, body: unknown) =>
			exports.default.fetch(`http://x/v1/tasks/${task.task_id}/${kind}`, {
				method: "POST",
				headers: { authorization: `Bearer ${task.token}`, "content-type": "application/json" },
				body: JSON.stringify(body),
			});
		const first = await open(task.task_id);
		const snapshot = await first.next();
		expect(first.state.retry).toBe(3000);
		expect(snapshot?.event).toBe("snapshot");
		// The snapshot carries the newest seq it includes: the events /events lists so far.
		const seen = await eventSeqs(task.task_id);
		expect(snapshot?.id).toBe(Math.max(...seen));
		await first.cancel();

		// While the client is away: a log line it must not miss, then the end.
		expect((await report("log", { message: "said while you were away" })).status).toBe(200);
		expect((await report("complete", { result: { ok: true } })).status).toBe(200);

		const resumed = await open(task.task_id, snapshot?.id);
		const events: SseEvent[] = [];
		for (let e = await resumed.next(); e !== null; e = await resumed.next()) {
			events.push(e);
		}
		// No second snapshot up front: the missed log comes first, with its seq as id.
		expect(events[0]).toMatchObject({ event: "log", data: { message: "said while you were away" } });
		const all = await eventSeqs(task.task_id);
		const ided = events.filter((e) => e.event === "status" || e.event === "log");
		expect(ided.map((e) => e.id)).toEqual(all.filter((seq) => seq > (snapshot?.id ?? 0)));
		expect(ided.map((e) => e.id)).toEqual(ided.map((e) => e.data.seq));
		expect(events.at(-1)).toMatchObject({ event: "snapshot", data: { status: "COMPLETED" }, id: Math.max(...all) });

		// Reconnecting after the final snapshot: 204, which tells EventSource to stop.
		const after = await exports.default.fetch(`http://x/v1/tasks/${task.task_id}/stream`, {
			headers: { "Last-Event-ID": String(Math.max(...all)) },
		});
		expect(after.status).toBe(204);
	});

	it("resumes a task that finished while the client was away with the missed transition and the final snapshot", async () => {
		const task = await create({ task_name: "demo.sleep", delay_seconds: 3600 });
		const first = await open(task.task_id);
		const snapshot = await first.next();
		await first.cancel();
		expect((await exports.default.fetch(`http://x/v1/tasks/${task.task_id}/cancel`, { method: "POST" })).status).toBe(200);
		const resumed = await open(task.task_id, snapshot?.id);
		expect(await resumed.next()).toMatchObject({
			event: "status",
			id: (snapshot?.id ?? 0) + 1,
			data: { from_status: "SCHEDULED", to_status: "CANCELED" },
		});
		expect(await resumed.next()).toMatchObject({ event: "snapshot", data: { status: "CANCELED" }, id: (snapshot?.id ?? 0) + 1 });
		expect(await resumed.next()).toBeNull();
	});

	it("rejects a Last-Event-ID it never sent with a 422 problem", async () => {
		const task = await create({ task_name: "demo.sleep", delay_seconds: 3600 });
		const res = await exports.default.fetch(`http://x/v1/tasks/${task.task_id}/stream`, { headers: { "Last-Event-ID": "abc" } });
		expect(res.status).toBe(422);
		expect(await res.json()).toMatchObject({ errors: [{ path: expect.stringContaining("last-event-id") }] });
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
		const stream = sseReader(feed.open(task, 0) as ReadableStream<Uint8Array>);
		expect((await stream.next())?.event).toBe("snapshot");
		vi.advanceTimersByTime(15_000);
		expect((await stream.next())?.event).toBe(":");
		expect(feed.size).toBe(1);
		await stream.cancel();
		expect(feed.size).toBe(0);
		expect(vi.getTimerCount()).toBe(0);
	});
});
