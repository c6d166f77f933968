/** The live stream of one task (`GET /v1/tasks/{id}/stream`): served by the task's object. */
import { finishedStream } from "../task/live";
import { taskStub } from "../task/stub";
import { type Caller, getTask, requireTaskId } from "./tasks";

export async function streamTask(
	env: Env,
	ctx: { waitUntil(promise: Promise<unknown>): void },
	caller: Caller,
	rawTaskId: string,
): Promise<ReadableStream<Uint8Array>> {
	const taskId = requireTaskId(rawTaskId);
	const live = await taskStub(env, caller.tenant, taskId).stream();
	if (live) {
		return live;
	}
	// The object has purged itself after retention, yet history may still hold the task: it is
	// finished, so its stream is its final snapshot. getTask answers 404 for what is not there.
	return finishedStream(await getTask(env, ctx, caller, taskId));
}
