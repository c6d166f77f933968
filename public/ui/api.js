// Calls to this Worker's API with the key the user entered. The key lives in sessionStorage
// (gone when the tab closes) and travels as a Bearer header only: no cookie, so no CSRF.

const KEY = "taskplane.key";

/** The stored key: null when none was entered; "" for the keyless dev tenant of `npm start`. */
export function storedKey() {
	return sessionStorage.getItem(KEY);
}

export function storeKey(key) {
	sessionStorage.setItem(KEY, key);
}

export function forgetKey() {
	sessionStorage.removeItem(KEY);
}

/** An answer other than 2xx, with the problem+json the API sent. */
export class ApiError extends Error {
	constructor(status, problem) {
		const detail = problem?.detail ?? problem?.title ?? "";
		super(`${status} ${problem?.title ?? "Error"}${detail && detail !== problem?.title ? `: ${detail}` : ""}`);
		this.status = status;
		this.problem = problem;
	}
}

export function authHeaders() {
	const key = storedKey();
	return key ? { authorization: `Bearer ${key}` } : {};
}

/**
 * No answer by then (ms) is an error: the pages poll, and one request that never came back
 * would otherwise hold a page's refresh loop for good.
 */
const REQUEST_TIMEOUT_MS = 15_000;

/** JSON from `path` (a path on this origin); throws ApiError on a non-2xx answer, and on no answer within 15 s. */
export async function api(path, { method = "GET", body, signal } = {}) {
	const headers = { ...authHeaders(), ...(body === undefined ? {} : { "content-type": "application/json" }) };
	const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
	const response = await fetch(path, {
		method,
		headers,
		body: body === undefined ? undefined : JSON.stringify(body),
		signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
	});
	const text = await response.text();
	let parsed = null;
	try {
		parsed = text ? JSON.parse(text) : null;
	} catch {
		parsed = { detail: text.slice(0, 200) };
	}
	if (!response.ok) {
		throw new ApiError(response.status, parsed);
	}
	return parsed;
}

/** A query string from an object, skipping empty values. */
export function query(params) {
	const search = new URLSearchParams();
	for (const [name, value] of Object.entries(params)) {
		if (value !== undefined && value !== null && value !== "") {
			search.append(name, String(value));
		}
	}
	const text = search.toString();
	return text ? `?${text}` : "";
}

/**
 * Reads a task's SSE stream (fetch, not EventSource, which cannot send a header) and calls
 * `onFrame(event, data)` for each frame until the stream ends or `signal` aborts.
 */
export async function readStream(path, onFrame, signal) {
	const response = await fetch(path, { headers: { ...authHeaders(), accept: "text/event-stream" }, signal });
	if (!response.ok || !response.body) {
		return;
	}
	const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
	let buffer = "";
	for (;;) {
		const { value, done } = await reader.read();
		if (done) {
			return;
		}
		buffer += value;
		let end = buffer.indexOf("\n\n");
		while (end !== -1) {
			const frame = buffer.slice(0, end);
			buffer = buffer.slice(end + 2);
			const event = /^event: (.*)$/m.exec(frame)?.[1] ?? "message";
			const data = /^data: (.*)$/m.exec(frame)?.[1];
			if (data !== undefined) {
				onFrame(event, JSON.parse(data));
			}
			end = buffer.indexOf("\n\n");
		}
	}
}
