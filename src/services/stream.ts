/** The live stream of one task (`GET /v1/tasks/{id}/stream`): served by the task's object. */
import { callObject } from "../platform/object-calls";
import { finishedStream } from "../task/live";
import { taskStub } from "../task/stub";
import { type Caller, getTask, requireTaskId } from "./tasks";

/**
 * The task's event stream, or null when the client resumed (`lastEventId`, the seq of the
 * last event it saw) and already has everything of a finished task: answer 204 then.
 * Throws ApiError NOT_FOUND for an unknown task.
 */
export async function streamTask(
	env: Env,
	ctx: { waitUntil(promise: Promise<unknown>): void },
	caller: Caller,
	rawTaskId: string,
	lastEventId: number | null = null,
): Promise<ReadableStream<Uint8Array> | null> {
	const taskId = requireTaskId(rawTaskId);
	const live = await callObject<ReadableStream<Uint8Array> | "finished" | null>(() =>
		taskStub(env, caller.tenant, taskId).stream(lastEventId),
	);
	if (live === "finished") {
		return null;
	}
	if (live) {
		return live;
	}
	// The object has purged itself after retention, yet history may still hold the task: it is
	// finished, so its stream is its final snapshot (a resumed client has seen it: 204).
	const task = await getTask(env, ctx, caller, taskId);
	return lastEventId === null ? finishedStream(task) : null;
}
