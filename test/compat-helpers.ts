/** Small HTTP helpers the compat tests share: they drive the Worker as each system's client would. */
import { exports } from "cloudflare:workers";
import { expect, vi } from "vitest";
import type { Task } from "../src/task/task";

export async function call<T = Record<string, unknown>>(
	method: string,
	path: string,
	body?: unknown,
): Promise<{ status: number; body: T; headers: Headers }> {
	const init: RequestInit = { method };
	if (body !== undefined) {
		init.headers = { "content-type": "application/json" };
		init.body = JSON.stringify(body);
	}
	const res = await exports.default.fetch(`http://x${path}`, init);
	const text = await res.text();
	return { status: res.status, body: (text ? JSON.parse(text) : null) as T, headers: res.headers };
}

/** Creates a task through our own API (the systems' own producers are not all HTTP). */
export async function createTask(body: Record<string, unknown>): Promise<Task> {
	const res = await call<Task>("POST", "/v1/tasks", body);
	expect(res.status).toBe(202);
	return res.body;
}

/**
 * Polls `read` until `done` holds, as a client polling with backoff would (no fixed sleeps).
 * The default wait stays inside vitest's 5 s test timeout, so a slow run fails with this
 * assertion rather than a bare timeout.
 */
export async function pollUntil<T>(read: () => Promise<T>, done: (value: T) => boolean, timeout = 4_000): Promise<T> {
	let last: T | undefined;
	await vi.waitFor(
		async () => {
			last = await read();
			expect(done(last)).toBe(true);
		},
		{ timeout, interval: 25 },
	);
	return last as T;
}

/** The paths /openapi.json documents under a tag (the hidden trailing-slash twins are not there). */
export async function documentedPaths(tag: string): Promise<string[]> {
	const doc = await call<{ paths: Record<string, Record<string, { tags?: string[] }>> }>("GET", "/openapi.json");
	expect(doc.status).toBe(200);
	return Object.entries(doc.body.paths).flatMap(([path, ops]) =>
		Object.entries(ops)
			.filter(([, op]) => op.tags?.includes(tag))
			.map(([method]) => `${method.toUpperCase()} ${path}`),
	);
}
