/**
 * The live feed of one task: the Server-Sent Events streams open on it (`GET
 * /v1/tasks/{id}/stream`). Held in the TaskObject's memory only — nothing is stored, so a stream
 * opened after an eviction simply starts from the current snapshot. The object calls
 * `changed()` after each commit and `logged()` after each log line; this turns them into
 * events, writes them to every open stream, and ends the streams after a terminal state.
 *
 * Every `status` and `log` frame carries `id: <seq>` (the event's sequence number, as in
 * `/events`), and snapshots the latest seq they include, so a client that reconnects sends
 * `Last-Event-ID` and is sent what it missed from the stored events (see `open`). Each stream
 * starts with `retry:` so EventSource reconnects after RECONNECT_MS.
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
/** What EventSource waits before it reconnects (the SSE `retry:` field), in ms. */
export const RECONNECT_MS = 3_000;
/** A reader this far behind is not reading: it is dropped rather than buffered without bound. */
const MAX_BACKLOG = 1_000;

const encoder = new TextEncoder();

/**
 * One SSE frame; `id` (an event seq) becomes the client's Last-Event-ID. JSON.stringify never
 * emits a raw newline, so one `data:` line suffices.
 */
export function sseFrame(event: string, data: unknown, id?: number): Uint8Array {
	return encoder.encode(`${id === undefined ? "" : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

const retryFrame = () => encoder.encode(`retry: ${RECONNECT_MS}\n\n`);

/** A stream that says only where the task ended: for a task already terminal. */
export function finishedStream(task: Task, lastSeq?: number, missed: readonly MissedEvent[] = []): ReadableStream<Uint8Array> {
	return new ReadableStream<Uint8Array>({
		start(controller) {
			controller.enqueue(retryFrame());
			for (const e of missed) {
				controller.enqueue(missedFrame(task.task_id, e));
			}
			controller.enqueue(sseFrame("snapshot", task, lastSeq));
			controller.close();
		},
	});
}

/** A stored event newer than a reconnecting client's Last-Event-ID, to send before live ones. */
export type MissedEvent = { event: "status"; entry: LiveTransition } | { event: "log"; line: LiveLogLine };

/** The stored transitions and log lines after seq `after`, oldest first. */
export function missedSince(transitions: readonly LiveTransition[], logs: readonly LiveLogLine[], after: number): MissedEvent[] {
	const missed: MissedEvent[] = [
		...transitions.filter((t) => t.seq > after).map((entry) => ({ event: "status" as const, entry })),
		...logs.map((line) => ({ event: "log" as const, line })),
	];
	return missed.sort((a, b) => (a.event === "status" ? a.entry.seq : a.line.seq) - (b.event === "status" ? b.entry.seq : b.line.seq));
}

function missedFrame(taskId: string, e: MissedEvent): Uint8Array {
	return e.event === "status"
		? sseFrame("status", { task_id: taskId, ...e.entry }, e.entry.seq)
		: sseFrame("log", { task_id: taskId, ...e.line }, e.line.seq);
}

type Subscriber = ReadableStreamDefaultController<Uint8Array>;

export class LiveFeed {
	private readonly subscribers = new Set<Subscriber>();
	private heartbeat: ReturnType<typeof setInterval> | null = null;

	constructor(private readonly heartbeatMs = HEARTBEAT_MS) {}

	get size(): number {
		return this.subscribers.size;
	}

	/**
	 * A new stream (`missed` null): the current snapshot at once, then every change until the task
	 * finishes. A resumed one (`missed`: the stored events after the client's Last-Event-ID,
	 * oldest first): those events, then the current progress, then every change; no snapshot,
	 * the client has one. Null when a resumed client has everything of a finished task: the
	 * route answers 204, which tells EventSource to stop reconnecting.
	 * `lastSeq` is the newest event seq the task has used.
	 */
	open(task: Task, lastSeq: number, missed: readonly MissedEvent[] | null = null): ReadableStream<Uint8Array> | null {
		if (isTerminal(task.status)) {
			return missed?.length === 0 ? null : finishedStream(task, lastSeq, missed ?? []);
		}
		let subscriber: Subscriber | null = null;
		return new ReadableStream<Uint8Array>({
			start: (controller) => {
				subscriber = controller;
				controller.enqueue(retryFrame());
				if (missed === null) {
					controller.enqueue(sseFrame("snapshot", task, lastSeq));
				} else {
					for (const e of missed) {
						controller.enqueue(missedFrame(task.task_id, e));
					}
					if (task.progress !== null) {
						controller.enqueue(sseFrame("progress", { task_id: task.task_id, version: task.version, progress: task.progress }));
					}
				}
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
			this.send(sseFrame("status", { task_id: after.task_id, version: after.version, ...t }, t.seq));
		}
		if (after.progress !== null && JSON.stringify(after.progress) !== JSON.stringify(before.progress)) {
			this.send(sseFrame("progress", { task_id: after.task_id, version: after.version, progress: after.progress }));
		}
		if (isTerminal(after.status)) {
			this.send(sseFrame("snapshot", toPublicTask(after), transitions.at(-1)?.seq));
			this.closeAll();
		}
	}

	logged(taskId: string, line: LiveLogLine): void {
		if (this.subscribers.size > 0) {
			this.send(sseFrame("log", { task_id: taskId, ...line }, line.seq));
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
