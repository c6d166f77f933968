/**
 * The queue consumer. A message names an attempt, never the work: it hands the attempt to its
 * TaskObject (`startAttempt`) and acknowledges at once. Only the call that moves the attempt
 * QUEUED → PROCESSING gets a lease, so a redelivered message runs nothing twice; a builtin
 * attempt is then run by the object from its own alarm, so no run ever delays another's; an
 * `http` attempt is pushed from here with one request bounded by its target's timeout.
 */
import type { TaskQueueMessage } from "../task/outbox";
import { taskStub } from "../task/stub";
import { count } from "../usage";
import type { LeaseAnswer } from "./protocol";
import { runPush } from "./push-runner";

function isTaskMessage(body: unknown): body is TaskQueueMessage {
	const b = body as Partial<TaskQueueMessage> | null;
	return !!b && typeof b.task_id === "string" && typeof b.tenant === "string" && typeof b.attempt === "number";
}

export async function consumeTasks(batch: MessageBatch<unknown>, env: Env): Promise<void> {
	count("worker_requests");
	await Promise.all(batch.messages.map((message) => consumeOne(message, env)));
}

async function consumeOne(message: Message<unknown>, env: Env): Promise<void> {
	if (!isTaskMessage(message.body)) {
		console.error("taskplane: dropping a malformed task message", message.id);
		message.ack();
		return;
	}
	const { task_id, tenant, attempt } = message.body;
	const stub = taskStub(env, tenant, task_id);
	let answer: LeaseAnswer;
	try {
		// Cast: the RPC stub's wrapped return type loses the `ok` discriminant.
		answer = (await stub.startAttempt(attempt, { runner: "builtin" })) as LeaseAnswer;
	} catch (error) {
		console.warn("taskplane: could not start attempt; redelivering", task_id, attempt, error);
		message.retry({ delaySeconds: Math.min(60, 2 ** message.attempts) });
		return;
	}
	// A refusal means the attempt was started already, or no longer waits: nothing to do. From
	// here the lease owns the attempt: if this invocation dies mid-push, the lease expires and the
	// attempt is retried, so the message need not wait for the push.
	message.ack();
	if (answer.ok && answer.lease.target) {
		await runPush(stub, answer.lease, answer.lease.target, tenant, env);
	}
}
