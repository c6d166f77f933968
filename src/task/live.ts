/**
 * The live feed of one task: the Server-Sent Events streams open on it (`GET
 * /v1/tasks/{id}/stream`). Held in the TaskObject's memory only — nothing is stored, so a stream
 * opened after an eviction simply starts from the current snapshot. The object calls
 * `changed()` after each commit and `logged()` after each log line; this turns them into
 * events, writes them to every open stream, and ends the streams after a terminal state.
 */
import type { TransitionNote } from "./machine";
import { isTerminal, type Task, type TaskRecord, toPublicTask } from "./task";

export interface LiveTransition extends TransitionNote {
	seq: number;
	at: string;
}

export interface LiveLogLine {
	seq: number;
	at: string;
	attempt: number;
	message: string;
	data: Record<string, unknown> | null;
}

/** Proxies and load balancers close connections idle for ~30-100 s; a comment keeps them open. */
export const HEARTBEAT_MS = 15_000;
/** A reader this far behind is not reading: it is dropped rather than buffered without bound. */
const MAX_BACKLOG = 1_000;

const encoder = new TextEncoder();

/** One SSE frame. JSON.stringify never emits a raw newline, so one `data:` line suffices. */
export function sseFrame(event: string, data: unknown): Uint8Array {
	return encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

/** A stream that says only where the task ended: for a task already terminal. */
export function finishedStream(task: Task): ReadableStream<Uint8Array> {
	return new ReadableStream<Uint8Array>({
		start(controller) {
			controller.enqueue(sseFrame("snapshot", task));
			controller.close();
		},
	});
}

type Subscriber = ReadableStreamDefaultController<Uint8Array>;

export class LiveFeed {
	private readonly subscribers = new Set<Subscriber>();
	private heartbeat: ReturnType<typeof setInterval> | null = null;

	constructor(private readonly heartbeatMs = HEARTBEAT_MS) {}

	get size(): number {
		return this.subscribers.size;
	}

	/** The current snapshot at once, then every change until the task finishes. */
	open(task: Task): ReadableStream<Uint8Array> {
		if (isTerminal(task.status)) {
			return finishedStream(task);
		}
		let subscriber: Subscriber | null = null;
		return new ReadableStream<Uint8Array>({
			start: (controller) => {
				subscriber = controller;
				controller.enqueue(sseFrame("snapshot", task));
				this.subscribers.add(controller);
				this.startHeartbeat();
			},
			// The client went away (the Worker cancels the RPC stream when its response is dropped).
			cancel: () => {
				if (subscriber) {
					this.drop(subscriber);
				}
			},
		});
	}

	changed(before: TaskRecord, after: TaskRecord, transitions: readonly LiveTransition[]): void {
		if (this.subscribers.size === 0) {
			return;
		}
		for (const t of transitions) {
			this.send(sseFrame("status", { task_id: after.task_id, version: after.version, ...t }));
		}
		if (after.progress !== null && JSON.stringify(after.progress) !== JSON.stringify(before.progress)) {
			this.send(sseFrame("progress", { task_id: after.task_id, version: after.version, progress: after.progress }));
		}
		if (isTerminal(after.status)) {
			this.send(sseFrame("snapshot", toPublicTask(after)));
			this.closeAll();
		}
	}

	logged(taskId: string, line: LiveLogLine): void {
		if (this.subscribers.size > 0) {
			this.send(sseFrame("log", { task_id: taskId, ...line }));
		}
	}

	private send(frame: Uint8Array): void {
		for (const subscriber of this.subscribers) {
			try {
				if ((subscriber.desiredSize ?? 0) < -MAX_BACKLOG) {
					throw new Error("reader too far behind");
				}
				subscriber.enqueue(frame);
			} catch {
				this.drop(subscriber);
				try {
					subscriber.error(new Error("stream dropped: the reader stopped reading"));
				} catch {
					// Already closed or errored: nothing more to tell it.
				}
			}
		}
	}

	private closeAll(): void {
		for (const subscriber of this.subscribers) {
			try {
				subscriber.close();
			} catch {
				// Cancelled by its reader in the meantime.
			}
		}
		this.subscribers.clear();
		this.stopHeartbeat();
	}

	private drop(subscriber: Subscriber): void {
		this.subscribers.delete(subscriber);
		if (this.subscribers.size === 0) {
			this.stopHeartbeat();
		}
	}

	private startHeartbeat(): void {
		if (this.heartbeat === null) {
			const comment = encoder.encode(": heartbeat\n\n");
			this.heartbeat = setInterval(() => this.send(comment), this.heartbeatMs);
		}
	}

	private stopHeartbeat(): void {
		if (this.heartbeat !== null) {
			clearInterval(this.heartbeat);
			this.heartbeat = null;
		}
	}
}
