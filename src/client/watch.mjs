// @ts-check
/**
 * Following a task over `GET /v1/tasks/{task_id}/stream` (Server-Sent Events, parsed with
 * `eventsource-parser`): what `TaskplaneClient.watch` iterates. A connection that drops before
 * the task has ended is opened again with `Last-Event-ID`, after the stream's `retry:` interval.
 */
import { createParser } from "eventsource-parser";
import { sleep } from "./transport.mjs";

/** @typedef {import("./types").Task} Task */
/** @typedef {import("./types").TaskEvent} TaskEvent */

/**
 * @typedef {{event: "snapshot", id: string | undefined, data: Task}
 *   | {event: "status", id: string | undefined, data: TaskEvent & {task_id: string, version?: number}}
 *   | {event: "progress", id: string | undefined, data: {task_id: string, version: number, progress: Task["progress"]}}
 *   | {event: "log", id: string | undefined, data: {task_id: string, seq: number, at: string, attempt?: number, message: string, data?: Record<string, unknown> | null}}} WatchEvent
 */

const TERMINAL = new Set(["COMPLETED", "COMPLETED_WITH_ERRORS", "FAILED", "CANCELED"]);
/** Connections in a row that may fail (no answer, 5xx) before `watch` gives up. */
const MAX_FAILURES = 5;

/**
 * @param {import("./transport.mjs").Transport} transport @param {string} taskId @param {AbortSignal} [signal]
 * @returns {AsyncGenerator<WatchEvent, void>}
 */
export async function* followTask(transport, taskId, signal) {
	/** @type {string | undefined} */
	let lastEventId;
	let retryMs = 1_000;
	let failures = 0;
	let ended = false;
	while (!ended) {
		/** @type {WatchEvent[]} */
		const queue = [];
		const parser = createParser({
			onEvent: (message) => {
				if (message.id !== undefined) {
					lastEventId = message.id;
				}
				const event = /** @type {WatchEvent["event"]} */ (message.event ?? "message");
				queue.push(/** @type {WatchEvent} */ ({ event, id: message.id, data: JSON.parse(message.data) }));
			},
			onRetry: (ms) => {
				retryMs = ms;
			},
		});
		try {
			const headers = { accept: "text/event-stream", ...(lastEventId === undefined ? {} : { "last-event-id": lastEventId }) };
			const res = await transport.send("GET", `/v1/tasks/${encodeURIComponent(taskId)}/stream`, { headers, signal });
			if (res.status === 204 || !res.body) {
				return; // Resumed after the last event of a finished task: nothing more will come.
			}
			failures = 0;
			const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
			try {
				for (;;) {
					const { done, value } = await reader.read();
					if (done) {
						break;
					}
					parser.feed(value);
					for (const event of queue.splice(0)) {
						yield event;
						if (event.event === "snapshot" && TERMINAL.has(event.data.status)) {
							ended = true;
						}
					}
				}
			} finally {
				await reader.cancel().catch(() => undefined);
			}
		} catch (error) {
			const status = /** @type {{status?: number}} */ (error).status;
			if (signal?.aborted || (status !== undefined && status < 500) || ++failures >= MAX_FAILURES) {
				throw error;
			}
		}
		if (!ended) {
			await sleep(retryMs, signal);
			signal?.throwIfAborted();
		}
	}
}
