// @ts-check
/**
 * TaskplaneWorker (`import { TaskplaneWorker } from "taskplane/worker"`): a Node pull worker.
 * It claims tasks by name (`POST /v1/workers/claim`, long-polling), runs each with its handler
 * up to `concurrency` at once, renews each lease with heartbeats, aborts a handler's `signal`
 * when its task is cancelled, reports the result or the error, backs off when the service
 * fails, and stops gracefully on SIGTERM. Plain JavaScript with JSDoc types and only `fetch`,
 * so Node 20 runs it as it is, with no build step. Its requests go through the client's
 * transport (./transport.mjs): the same errors (`TaskplaneError`) and the same 429 handling.
 */
import { sleep, TaskplaneError, Transport } from "./transport.mjs";

/**
 * @typedef {object} WorkerTask What a handler receives: one claimed attempt.
 * @property {string} task_id
 * @property {string} task_name
 * @property {string} task_type
 * @property {string} namespace
 * @property {number} attempt 1-based
 * @property {unknown} payload
 * @property {AbortSignal} signal Aborts when the task is cancelled, its lease is lost, or the worker stops without finishing it.
 * @property {(progress: {percent?: number, done?: number, total?: number, message?: string}) => Promise<void>} progress Shown on the task; renews the lease.
 * @property {(message: string, data?: Record<string, unknown>) => Promise<void>} log Added to the task's events; renews the lease.
 */

/** @typedef {(task: WorkerTask) => unknown | Promise<unknown>} Handler The value returned (JSON) is the task's result; a throw fails the attempt. */

/**
 * @typedef {object} WorkerOptions
 * @property {string} url The service, e.g. `http://localhost:8787`.
 * @property {Record<string, Handler>} handlers By task name; the worker claims only these names.
 * @property {string} [apiKey] A key with the `tasks:work` scope (none in keyless local development).
 * @property {string} [namespace] Default `default`.
 * @property {number} [concurrency] Attempts run at once; default 10.
 * @property {number} [leaseSeconds] Each attempt's lease, renewed every third of it; default 60.
 * @property {number} [waitSeconds] How long one claim long-polls (≤ 30); default 20.
 * @property {string} [workerId] Shown in `GET /v1/workers`; default `<hostname>-<pid>`.
 * @property {number} [shutdownGraceMs] On stop, how long running attempts may finish before they are handed back (their leases then expire and they run again elsewhere); default 30 000.
 * @property {boolean} [handleSignals] Stop on SIGTERM and SIGINT; default true.
 * @property {(error: unknown) => void} [onError] Claim and report failures; default `console.warn`.
 * @property {typeof fetch} [fetch] Default the global `fetch`.
 */

/** A failure the worker reports for a handler that threw, unless the error says otherwise. */
const HANDLER_ERROR = "HANDLER_ERROR";
const BACKOFF_BASE_MS = 1_000;
const BACKOFF_CAP_MS = 30_000;
/** A complete or fail report is tried this many times: the attempt's outcome is worth retrying for. */
const FINAL_REPORT_TRIES = 5;

/** Full jitter: a random wait up to base·2^(tries-1), capped (ms). @param {number} tries */
const backoffMs = (tries) => Math.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, tries - 1));
/** Retry what the service may still take: no answer, 408, 429, 5xx. @param {unknown} error */
const retryable = (error) => !(error instanceof TaskplaneError) || error.status === 408 || error.status === 429 || error.status >= 500;

export class TaskplaneWorker {
	/** @param {WorkerOptions} options */
	constructor(options) {
		if (!options?.url || !options.handlers || Object.keys(options.handlers).length === 0) {
			throw new TypeError("TaskplaneWorker needs a url and at least one handler");
		}
		this.transport = new Transport({ baseUrl: options.url, apiKey: options.apiKey, fetch: options.fetch });
		this.handlers = options.handlers;
		this.namespace = options.namespace ?? "default";
		this.concurrency = Math.max(1, options.concurrency ?? 10);
		this.leaseSeconds = options.leaseSeconds ?? 60;
		this.waitSeconds = Math.min(30, options.waitSeconds ?? 20);
		this.workerId = options.workerId ?? defaultWorkerId();
		this.shutdownGraceMs = options.shutdownGraceMs ?? 30_000;
		this.handleSignals = options.handleSignals ?? true;
		this.onError = options.onError ?? ((error) => console.warn("taskplane worker:", error));
		/** @type {Map<string, {controller: AbortController, done: Promise<void>}>} */
		this.active = new Map();
		this.stopping = false;
		this.claiming = new AbortController();
		/** @type {Promise<void> | null} */
		this.loop = null;
		/** Resolves the loop's wait for a free slot. @type {() => void} */
		this.slotFreed = () => undefined;
	}

	/** Attempts running now. */
	get running() {
		return this.active.size;
	}

	/** Starts claiming; resolves once the worker has stopped (`stop()`, or SIGTERM/SIGINT). */
	start() {
		if (!this.loop) {
			if (this.handleSignals) {
				const stop = () => void this.stop();
				process.once("SIGTERM", stop);
				process.once("SIGINT", stop);
			}
			this.loop = this.claimLoop();
		}
		return this.loop;
	}

	/**
	 * Stops claiming and waits up to `shutdownGraceMs` for the open claim to answer (at most
	 * `waitSeconds`) and for every attempt held, including what that claim brought, to finish and
	 * report. Past the grace, the claim is dropped and running attempts are aborted and handed
	 * back unreported: their leases expire and they run again elsewhere. (A dropped claim may
	 * still take a task on the server, which then waits out its lease: hence waiting for it.)
	 */
	async stop() {
		this.stopping = true;
		this.slotFreed();
		const grace = new AbortController();
		const expired = sleep(this.shutdownGraceMs, grace.signal).then(() => !grace.signal.aborted);
		const drained = (async () => {
			await this.loop;
			while (this.active.size > 0) {
				await Promise.all([...this.active.values()].map((run) => run.done));
			}
			return false;
		})();
		if (await Promise.race([drained, expired])) {
			this.claiming.abort();
			for (const run of this.active.values()) {
				run.controller.abort(new Error("worker stopped: handed back, its lease will expire"));
			}
		}
		grace.abort();
		await this.loop;
	}

	async claimLoop() {
		let failures = 0;
		while (!this.stopping) {
			const free = this.concurrency - this.active.size;
			if (free <= 0) {
				await new Promise((resolve) => {
					this.slotFreed = () => resolve(undefined);
				});
				continue;
			}
			try {
				const answer = await this.transport.json("POST", "/v1/workers/claim", { body: this.claimBody(free), signal: this.claiming.signal });
				failures = 0;
				for (const task of answer.tasks) {
					this.run(task);
				}
			} catch (error) {
				if (this.stopping) {
					break;
				}
				failures += 1;
				this.onError(error);
				await sleep(backoffMs(failures), this.claiming.signal);
			}
		}
	}

	/** @param {number} max */
	claimBody(max) {
		return {
			namespace: this.namespace,
			worker_id: this.workerId,
			task_names: Object.keys(this.handlers),
			max: Math.min(100, max),
			lease_seconds: this.leaseSeconds,
			wait_seconds: this.waitSeconds,
		};
	}

	/** @param {{task_id: string, task_name: string, task_type: string, namespace: string, attempt: number, payload: unknown, token: string}} claimed */
	run(claimed) {
		const controller = new AbortController();
		const report = (/** @type {string} */ kind, /** @type {unknown} */ body, tries = 1) =>
			this.report(claimed, controller, kind, body, tries);
		const heartbeat = setInterval(() => void report("heartbeat", {}).catch(() => undefined), (this.leaseSeconds * 1000) / 3);
		const done = (async () => {
			try {
				const handler = this.handlers[claimed.task_name];
				if (!handler) {
					throw Object.assign(new Error(`no handler for ${claimed.task_name}`), { retryable: false });
				}
				const task = {
					task_id: claimed.task_id,
					task_name: claimed.task_name,
					task_type: claimed.task_type,
					namespace: claimed.namespace,
					attempt: claimed.attempt,
					payload: claimed.payload,
					signal: controller.signal,
					progress: async (/** @type {object} */ progress) => void (await report("progress", progress)),
					log: async (/** @type {string} */ message, /** @type {object | undefined} */ data) =>
						void (await report("log", data ? { message, data } : { message })),
				};
				let outcome;
				try {
					outcome = { kind: "complete", body: { result: (await handler(task)) ?? null } };
				} catch (error) {
					outcome = { kind: "fail", body: failureOf(error) };
				}
				clearInterval(heartbeat);
				// Stopped past its grace: handed back unreported, so its lease expires and it runs again.
				if (!(this.stopping && controller.signal.aborted)) {
					await report(outcome.kind, outcome.body, FINAL_REPORT_TRIES);
				}
			} catch (error) {
				this.onError(error);
			} finally {
				clearInterval(heartbeat);
				this.active.delete(claimed.task_id);
				this.slotFreed();
			}
		})();
		this.active.set(claimed.task_id, { controller, done });
	}

	/**
	 * Sends one report with the attempt's token; a receipt asking to cancel, or a 404/409 (the
	 * attempt ended: hard cancel, lease lost), aborts the handler's signal.
	 * @param {{task_id: string, token: string}} claimed @param {AbortController} controller
	 * @param {string} kind @param {unknown} body @param {number} tries
	 */
	async report(claimed, controller, kind, body, tries) {
		for (let attempt = 1; ; attempt++) {
			try {
				const receipt = await this.transport.json("POST", `/v1/tasks/${claimed.task_id}/${kind}`, { body, bearer: claimed.token });
				if (receipt.cancel_requested) {
					controller.abort(new Error("the task was cancelled"));
				}
				return;
			} catch (error) {
				if (error instanceof TaskplaneError && (error.status === 404 || error.status === 409)) {
					controller.abort(new Error(`the attempt is over: ${error.message}`));
					throw error;
				}
				if (attempt >= tries || !retryable(error)) {
					throw error;
				}
				await sleep(backoffMs(attempt));
			}
		}
	}
}

/** A thrown error as a fail report: its `code` (SCREAMING_SNAKE) and `retryable` when it has them. @param {unknown} error */
function failureOf(error) {
	const e = /** @type {{code?: unknown, message?: unknown, retryable?: unknown}} */ (error ?? {});
	const code = typeof e.code === "string" && /^[A-Z][A-Z0-9_]{0,63}$/.test(e.code) ? e.code : HANDLER_ERROR;
	const message = (typeof e.message === "string" && e.message) || String(error) || "the handler failed";
	return { code, message: message.slice(0, 4000), retryable: e.retryable !== false };
}

function defaultWorkerId() {
	const host = (process.env.HOSTNAME || "node").replace(/[^A-Za-z0-9_.:@/-]/g, "-").slice(0, 100);
	return `${host}-${process.pid}`;
}
