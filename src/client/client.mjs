// @ts-check
/**
 * TaskplaneClient (`import { TaskplaneClient } from "taskplane/client"`): the API as typed
 * methods. Plain JavaScript with JSDoc types inferred from the zod contract (./types.ts), only
 * `fetch`: Node 20 runs it as it is, and so do browsers and Workers (through a bundler).
 * Every failure is a `TaskplaneError` (status, code, errors); a 429 is retried after its
 * `Retry-After` (./transport.mjs).
 */

import { sleep, Transport } from "./transport.mjs";
import { followTask } from "./watch.mjs";

export { TaskplaneError } from "./transport.mjs";

/** @typedef {import("./types").Task} Task */
/** @typedef {import("./types").TaskStatus} TaskStatus */
/** @typedef {import("./types").TerminalStatus} TerminalStatus */
/** @typedef {import("./types").CreateTaskInput} CreateTaskInput */
/** @typedef {import("./types").CancelInput} CancelInput */
/** @typedef {import("./types").RetryInput} RetryInput */
/** @typedef {import("./types").TaskEvent} TaskEvent */
/** @typedef {import("./types").TaskList} TaskList */
/** @typedef {import("./types").TaskStats} TaskStats */
/** @typedef {import("./watch.mjs").WatchEvent} WatchEvent */
/** @typedef {import("./transport.mjs").TransportOptions} ClientOptions */

/**
 * @typedef {object} ListFilters The filters of `GET /v1/tasks` (README.md § Listing tasks).
 * @property {TaskStatus | string | readonly string[]} [status] Statuses, or other systems' words for them (`IN_PROGRESS`, `pending`, …).
 * @property {string | readonly string[]} [task_type]
 * @property {string} [task_name] Exact, or a prefix ending in `*`.
 * @property {string} [namespace]
 * @property {string} [created_by]
 * @property {string} [created_after] ISO 8601, inclusive.
 * @property {string} [created_before] ISO 8601, exclusive.
 * @property {number} [hours_ago]
 * @property {string} [order_by] `-created_at` (default), `created_at`, `priority`, `-priority`, `completed_at`, `duration`, …
 * @property {number} [limit] 1 to 100 per page; default 50.
 * @property {number} [offset]
 * @property {string} [cursor] The previous page's `next_cursor`.
 * @property {Record<string, string>} [metadata] Tasks whose metadata has every pair.
 */

/**
 * @typedef {object} WaitOptions
 * @property {number} [timeoutMs] Give up (a `TaskplaneWaitTimeout`) after this long; default never.
 * @property {AbortSignal} [signal] Stop waiting: rejects with the signal's reason.
 * @property {number} [initialDelayMs] The first wait between polls; default 1 000.
 * @property {number} [maxDelayMs] The longest wait between polls; default 30 000.
 * @property {number} [factor] Each wait is the previous one times this; default 1.5.
 * @property {(task: Task) => void} [onPoll] Called with the task after each poll that found it changed.
 */

export const TERMINAL_STATUSES = /** @type {const} */ (["COMPLETED", "COMPLETED_WITH_ERRORS", "FAILED", "CANCELED"]);

/** @param {string} status @returns {status is TerminalStatus} */
export function isTerminal(status) {
	return /** @type {readonly string[]} */ (TERMINAL_STATUSES).includes(status);
}

/** `waitForTask` gave up: the task was still live after `timeoutMs`. `task` is its last state. */
export class TaskplaneWaitTimeout extends Error {
	/** @param {Task} task @param {number} timeoutMs */
	constructor(task, timeoutMs) {
		super(`task ${task.task_id} was still ${task.status} after ${timeoutMs} ms`);
		this.name = "TaskplaneWaitTimeout";
		this.code = "WAIT_TIMEOUT";
		this.task = task;
	}
}

/**
 * The waits between `waitForTask`'s polls, in ms: initial, ×factor each time, capped.
 * @param {{initialDelayMs?: number, maxDelayMs?: number, factor?: number}} [options] @returns {Generator<number, never>}
 */
export function* pollDelays(options = {}) {
	const max = options.maxDelayMs ?? 30_000;
	let delay = Math.min(options.initialDelayMs ?? 1_000, max);
	for (;;) {
		yield delay;
		delay = Math.min(max, delay * (options.factor ?? 1.5));
	}
}

/** Tasks whose ETag is kept for `getTask` (the oldest is forgotten first). */
const ETAG_CACHE_SIZE = 500;

export class TaskplaneClient {
	/** @param {ClientOptions} options */
	constructor(options) {
		this.transport = new Transport(options);
		/** @type {Map<string, {etag: string, task: Task}>} */
		this.etags = new Map();
	}

	/**
	 * Creates a task: PENDING (or SCHEDULED with `run_at`/`delay_seconds`). With an
	 * `idempotencyKey`, the same key again returns the same task instead of a second one.
	 * @param {CreateTaskInput} input @param {{idempotencyKey?: string, signal?: AbortSignal}} [options] @returns {Promise<Task>}
	 */
	createTask(input, options = {}) {
		const headers = options.idempotencyKey === undefined ? undefined : { "idempotency-key": options.idempotencyKey };
		return this.transport.json("POST", "/v1/tasks", { body: input, headers, signal: options.signal });
	}

	/**
	 * The task now. Sends the ETag of the last answer for this id; a 304 returns that answer.
	 * @param {string} taskId @param {{signal?: AbortSignal}} [options] @returns {Promise<Task>}
	 */
	async getTask(taskId, options = {}) {
		const cached = this.etags.get(taskId);
		const headers = cached ? { "if-none-match": cached.etag } : undefined;
		const res = await this.transport.send("GET", `/v1/tasks/${encodeURIComponent(taskId)}`, {
			headers,
			signal: options.signal,
			allowNotModified: cached !== undefined,
		});
		if (res.status === 304 && cached) {
			return cached.task;
		}
		/** @type {Task} */
		const task = await res.json();
		const etag = res.headers.get("etag");
		this.etags.delete(taskId);
		if (etag) {
			this.etags.set(taskId, { etag, task });
			if (this.etags.size > ETAG_CACHE_SIZE) {
				this.etags.delete(/** @type {string} */ (this.etags.keys().next().value));
			}
		}
		return task;
	}

	/**
	 * One page of tasks (`next_cursor` leads to the next one).
	 * @param {ListFilters} [filters] @param {{signal?: AbortSignal}} [options] @returns {Promise<TaskList>}
	 */
	listTasksPage(filters = {}, options = {}) {
		const { metadata, ...rest } = filters;
		/** @type {NonNullable<import("./transport.mjs").RequestOptions["query"]>} */
		const query = { ...rest };
		for (const [key, value] of Object.entries(metadata ?? {})) {
			query[`metadata.${key}`] = value;
		}
		return this.transport.json("GET", "/v1/tasks", { query, signal: options.signal });
	}

	/**
	 * Every matching task, page after page (`for await (const task of client.listTasks({...}))`).
	 * Created-at orderings follow `next_cursor`, so tasks created meanwhile neither repeat nor
	 * shift a page; other orderings page by offset.
	 * @param {ListFilters} [filters] @param {{signal?: AbortSignal}} [options] @returns {AsyncGenerator<Task, void>}
	 */
	async *listTasks(filters = {}, options = {}) {
		let page = await this.listTasksPage(filters, options);
		for (;;) {
			yield* page.tasks;
			const nextOffset = page.offset + page.tasks.length;
			if (page.next_cursor) {
				page = await this.listTasksPage({ ...filters, offset: undefined, cursor: page.next_cursor }, options);
			} else if (!filters.cursor && page.tasks.length > 0 && page.tasks.length === page.limit && nextOffset < page.total) {
				page = await this.listTasksPage({ ...filters, offset: nextOffset }, options);
			} else {
				return;
			}
		}
	}

	/**
	 * Counts, durations and success rate over tasks created in the last `hours_ago` hours (default 24).
	 * @param {{task_type?: string | readonly string[], namespace?: string, hours_ago?: number}} [filters] @returns {Promise<TaskStats>}
	 */
	stats(filters = {}) {
		return this.transport.json("GET", "/v1/tasks/stats", { query: { ...filters } });
	}

	/**
	 * Cancels a live task (soft by default: the runner is asked to stop); a finished one is a 409.
	 * @param {string} taskId @param {CancelInput} [input] @returns {Promise<Task>}
	 */
	cancel(taskId, input = {}) {
		return this.transport.json("POST", `/v1/tasks/${encodeURIComponent(taskId)}/cancel`, { body: input });
	}

	/**
	 * Runs a FAILED or CANCELED task again as a new attempt (PENDING); another state is a 409.
	 * @param {string} taskId @param {RetryInput} [input] @returns {Promise<Task>}
	 */
	retry(taskId, input = {}) {
		return this.transport.json("POST", `/v1/tasks/${encodeURIComponent(taskId)}/retry`, { body: input });
	}

	/**
	 * The task's transitions and log lines, oldest first.
	 * @param {string} taskId @returns {Promise<TaskEvent[]>}
	 */
	async events(taskId) {
		const body = await this.transport.json("GET", `/v1/tasks/${encodeURIComponent(taskId)}/events`);
		return body.events;
	}

	/**
	 * Follows a task live over Server-Sent Events: a `snapshot` first, then `status`, `progress`
	 * and `log` as they happen, a final `snapshot` once it has ended, then the iteration ends.
	 * A dropped connection is resumed with `Last-Event-ID`, so nothing is missed or repeated.
	 * @param {string} taskId @param {{signal?: AbortSignal}} [options] @returns {AsyncGenerator<WatchEvent, void>}
	 */
	watch(taskId, options = {}) {
		return followTask(this.transport, taskId, options.signal);
	}

	/**
	 * Polls until the task ends and returns it: `status` says which of COMPLETED,
	 * COMPLETED_WITH_ERRORS, FAILED or CANCELED. The waits grow from 1 s by ×1.5 to 30 s; polls
	 * send the ETag, so an unchanged task costs a 304. Throws `TaskplaneWaitTimeout` after
	 * `timeoutMs`, the signal's reason when aborted, and a `TaskplaneError` (404 included) as is.
	 * @param {string} taskId @param {WaitOptions} [options] @returns {Promise<Task & {status: TerminalStatus}>}
	 */
	async waitForTask(taskId, options = {}) {
		const { signal, timeoutMs } = options;
		const deadline = timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + timeoutMs;
		const delays = pollDelays(options);
		let version = -1;
		for (;;) {
			signal?.throwIfAborted();
			const task = await this.getTask(taskId, { signal });
			if (task.version !== version) {
				version = task.version;
				options.onPoll?.(task);
			}
			if (isTerminal(task.status)) {
				return /** @type {Task & {status: TerminalStatus}} */ (task);
			}
			const left = deadline - Date.now();
			if (left <= 0) {
				throw new TaskplaneWaitTimeout(task, /** @type {number} */ (timeoutMs));
			}
			await sleep(Math.min(delays.next().value, left), signal);
		}
	}

	/**
	 * Any other route, answered as JSON (`client.request("GET", "/v1/namespaces")`).
	 * @param {string} method @param {string} path @param {import("./transport.mjs").RequestOptions} [options] @returns {Promise<any>}
	 */
	request(method, path, options) {
		return this.transport.json(method, path, options);
	}
}
