// @ts-check
/**
 * The one HTTP transport of `taskplane/client` and `taskplane/worker`: `fetch` with the bearer
 * credential, JSON bodies, a problem+json answer thrown as a `TaskplaneError`, and a 429
 * retried after its `Retry-After`. Only `fetch`, `AbortSignal` and timers: it runs in Node 20,
 * browsers and Workers alike.
 */

/**
 * @typedef {object} FieldError One invalid field of a 422.
 * @property {string} path Dotted path into the request, e.g. `payload.items.0`.
 * @property {string} message
 */

/**
 * An answer other than 2xx (or a 304 the caller asked for), with its RFC 9457 problem+json.
 * `status` is the HTTP status; `code` the service's SCREAMING_SNAKE code (`NOT_FOUND`,
 * `VALIDATION_FAILED`, `CONFLICT`, `RATE_LIMITED`, …; `HTTP_<status>` when the body was not
 * problem+json); `errors` lists invalid fields on a 422; `retryAfter` is in seconds.
 */
export class TaskplaneError extends Error {
	/**
	 * @param {number} status
	 * @param {Record<string, unknown> | null} problem The parsed problem+json, null when the body was not one.
	 * @param {string} text The body as received (for a body that was not problem+json).
	 * @param {number | null} retryAfter Seconds, from `Retry-After`.
	 */
	constructor(status, problem, text, retryAfter) {
		const str = (/** @type {unknown} */ v) => (typeof v === "string" ? v : undefined);
		const detail = str(problem?.detail) ?? str(problem?.title) ?? text.slice(0, 500);
		super(`HTTP ${status}${detail ? `: ${detail}` : ""}`);
		this.name = "TaskplaneError";
		this.status = status;
		this.code = str(problem?.code) ?? `HTTP_${status}`;
		this.title = str(problem?.title) ?? null;
		this.detail = str(problem?.detail) ?? null;
		/** @type {FieldError[]} */
		this.errors = Array.isArray(problem?.errors) ? /** @type {FieldError[]} */ (problem.errors) : [];
		this.requestId = str(problem?.request_id) ?? null;
		this.retryAfter = retryAfter;
		this.problem = problem;
	}
}

/**
 * @typedef {object} TransportOptions
 * @property {string} baseUrl The service's origin, e.g. `http://localhost:8787`.
 * @property {string} [apiKey] Sent as `Authorization: Bearer`; none in keyless local development.
 * @property {typeof fetch} [fetch] Default the global `fetch` (pass another to test or to proxy).
 * @property {number} [maxRateLimitRetries] How often a 429 is retried after its `Retry-After`; default 5.
 * @property {number} [maxRetryAfterMs] The longest `Retry-After` waited out; longer ones throw the 429. Default 60 000.
 */

/**
 * @typedef {object} RequestOptions
 * @property {unknown} [body] Sent as JSON.
 * @property {Record<string, string | number | boolean | readonly (string | number)[] | undefined>} [query] Arrays repeat the parameter; undefined is left out.
 * @property {Record<string, string>} [headers]
 * @property {string | null} [bearer] Instead of the API key (an attempt token); null sends none.
 * @property {AbortSignal} [signal]
 * @property {boolean} [allowNotModified] A 304 is returned instead of thrown.
 */

/**
 * Resolves after `ms`, or at once when `signal` aborts (it never rejects).
 * @param {number} ms @param {AbortSignal} [signal] @returns {Promise<void>}
 */
export function sleep(ms, signal) {
	return new Promise((resolve) => {
		if (signal?.aborted) {
			resolve();
			return;
		}
		const done = () => {
			clearTimeout(timer);
			signal?.removeEventListener("abort", done);
			resolve();
		};
		const timer = setTimeout(done, ms);
		signal?.addEventListener("abort", done, { once: true });
	});
}

/** `Retry-After` in seconds: delta-seconds or an HTTP date. @param {string | null} value @returns {number | null} */
export function retryAfterSeconds(value) {
	if (value === null || value.trim() === "") {
		return null;
	}
	if (/^\d+$/.test(value.trim())) {
		return Number(value.trim());
	}
	const at = Date.parse(value);
	return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

export class Transport {
	/** @param {TransportOptions} options */
	constructor(options) {
		if (!options?.baseUrl) {
			throw new TypeError("taskplane: baseUrl is required, e.g. http://localhost:8787");
		}
		this.baseUrl = options.baseUrl.replace(/\/+$/, "");
		this.apiKey = options.apiKey;
		this.fetch = options.fetch ?? ((input, init) => fetch(input, init));
		this.maxRateLimitRetries = options.maxRateLimitRetries ?? 5;
		this.maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000;
	}

	/** @param {string} path @param {RequestOptions["query"]} [query] */
	url(path, query) {
		const url = new URL(`${this.baseUrl}${path}`);
		for (const [name, value] of Object.entries(query ?? {})) {
			for (const one of Array.isArray(value) ? value : [value]) {
				if (one !== undefined) {
					url.searchParams.append(name, String(one));
				}
			}
		}
		return url.toString();
	}

	/**
	 * Sends one request and returns the response when it is 2xx (or a 304 allowed); any other
	 * answer throws a `TaskplaneError`, after waiting out up to `maxRateLimitRetries` 429s.
	 * A network failure or an abort rejects with fetch's own error.
	 * @param {string} method @param {string} path @param {RequestOptions} [options] @returns {Promise<Response>}
	 */
	async send(method, path, options = {}) {
		/** @type {Record<string, string>} */
		const headers = { accept: "application/json", ...options.headers };
		const bearer = options.bearer === undefined ? this.apiKey : options.bearer;
		if (bearer) {
			headers.authorization = `Bearer ${bearer}`;
		}
		if (options.body !== undefined) {
			headers["content-type"] = "application/json";
		}
		const body = options.body === undefined ? undefined : JSON.stringify(options.body);
		for (let retries = 0; ; retries++) {
			const res = await this.fetch(this.url(path, options.query), { method, headers, body, signal: options.signal });
			if (res.ok || (res.status === 304 && options.allowNotModified)) {
				return res;
			}
			const error = await errorOf(res);
			const waitMs = (error.retryAfter ?? 1) * 1000;
			if (error.status !== 429 || retries >= this.maxRateLimitRetries || waitMs > this.maxRetryAfterMs || options.signal?.aborted) {
				throw error;
			}
			await sleep(waitMs, options.signal);
			options.signal?.throwIfAborted();
		}
	}

	/**
	 * `send`, then the body as JSON.
	 * @param {string} method @param {string} path @param {RequestOptions} [options] @returns {Promise<any>}
	 */
	async json(method, path, options) {
		const res = await this.send(method, path, options);
		return res.status === 204 ? null : res.json();
	}
}

/** @param {Response} res @returns {Promise<TaskplaneError>} */
async function errorOf(res) {
	const text = await res.text().catch(() => "");
	/** @type {Record<string, unknown> | null} */
	let problem = null;
	try {
		const parsed = JSON.parse(text);
		problem = parsed && typeof parsed === "object" && !Array.isArray(parsed) ? parsed : null;
	} catch {
		// Not JSON: a proxy's page, say. The error keeps the text.
	}
	return new TaskplaneError(res.status, problem, text, retryAfterSeconds(res.headers.get("retry-after")));
}
