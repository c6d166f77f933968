/** What the e2e suites that stand up a local HTTP server (push target, webhook receiver) share. */
import type { IncomingMessage } from "node:http";

/** A request's whole body as UTF-8. */
export async function readBody(request: IncomingMessage): Promise<string> {
	const chunks: Buffer[] = [];
	for await (const chunk of request) {
		chunks.push(chunk as Buffer);
	}
	return Buffer.concat(chunks).toString("utf8");
}

/** One JSON call to the dev server at `base` (no key: the keyless dev tenant). */
export async function api<T>(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
	const response = await fetch(`${base}${path}`, {
		method,
		headers: body === undefined ? {} : { "content-type": "application/json" },
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	return { status: response.status, body: (await response.json()) as T };
}
