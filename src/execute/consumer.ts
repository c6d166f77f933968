/**
 * The queue consumer. A message names an attempt, never the work: it hands the attempt to its
 * TaskObject (`startAttempt`) and acknowledges at once. Only the call that moves the attempt
 * QUEUED → PROCESSING gets a lease, so a redelivered message runs nothing twice; a builtin
 * attempt is then run by the object from its own alarm, so no run ever delays another's; an
 * `http` attempt is pushed from here with one request bounded by its target's timeout.
 */
import { callObject, classifyObjectError, redeliveryDelaySeconds } from "../platform/object-calls";
import type { TaskQueueMessage } from "../task/outbox";
import { taskStub } from "../task/stub";
import { count } from "../usage";
import type { LeaseAnswer } from "./protocol";
import { runPush } from "./push-runner";

function isTaskMessage(body: unknown): body is TaskQueueMessage {
	const b = body as Partial<TaskQueueMessage> | null;
	return !!b && typeof b.task_id === "string" && typeof b.tenant === "string" && typeof b.attempt === "number";
}

/**
 * No object call of the consumer waits longer than this (ms). The queue hands out a batch and
 * waits for its invocation (locally without any limit), so one reply that never came must not
 * hold the batch, and the deliveries behind it, for ever.
 */
export const CONSUMER_CALL_TIMEOUT_MS = 30_000;

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
		// Not retried here: a start that reached the object before the error cannot be taken twice.
		// Cast: the RPC stub's wrapped return type loses the `ok` discriminant.
		answer = await callObject<LeaseAnswer>(async () => (await stub.startAttempt(attempt, { runner: "builtin" })) as LeaseAnswer, {
			tries: 1,
			timeoutMs: CONSUMER_CALL_TIMEOUT_MS,
		});
	} catch (error) {
		const kind = classifyObjectError(error);
		console.warn(`taskplane: could not start attempt (${kind}); redelivering`, task_id, attempt, error);
		message.retry({ delaySeconds: redeliveryDelaySeconds(message.attempts, kind) });
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
