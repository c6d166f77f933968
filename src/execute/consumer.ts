/**
 * The queue consumer. A message names an attempt, never the work: the TaskObject hands out the
 * spec only to the call that moves that attempt QUEUED → PROCESSING, so a redelivered message
 * runs nothing twice. Everything the handler says goes back to the object, fenced by attempt.
 */
import { callObject, classifyObjectError, redeliveryDelaySeconds } from "../platform/object-calls";
import type { TaskFailure } from "../task/machine";
import type { TaskQueueMessage } from "../task/outbox";
import { taskStub } from "../task/stub";
import type { TaskProgress } from "../task/task";
import type { AttemptSpec, ReportAnswer, TaskObject } from "../task/task-object";
import { count } from "../usage";
import { type HandlerContext, handlerFor, TaskError } from "./handlers";

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
	// A new stub per call: one that saw an error may be broken (platform/object-calls.ts).
	const object = () => taskStub(env, tenant, task_id);
	let spec: AttemptSpec | null;
	try {
		spec = await callObject(() => object().start(attempt), { tries: 1, timeoutMs: CONSUMER_CALL_TIMEOUT_MS });
	} catch (error) {
		// Not retried here: a claim that reached the object before the error cannot be taken twice.
		const kind = classifyObjectError(error);
		console.warn(`taskplane: could not claim attempt (${kind}); redelivering`, task_id, attempt, error);
		message.retry({ delaySeconds: redeliveryDelaySeconds(message.attempts, kind) });
		return;
	}
	if (spec) {
		await runAttempt(object, spec, tenant, env);
	}
	message.ack();
}

function toFailure(error: unknown, signal: AbortSignal): TaskFailure {
	if (error instanceof TaskError) {
		return { code: error.code, message: error.message, retryable: error.retryable };
	}
	if (signal.aborted) {
		return { code: "CANCELED", message: "stopped on a cancel request", retryable: false };
	}
	const message = error instanceof Error ? error.message : String(error);
	return { code: "HANDLER_ERROR", message, retryable: true };
}

/**
 * A report lost to a retryable platform error is tried again (reports are fenced by attempt, so
 * a repeat is harmless); an overloaded object is not. If it never lands the timeout decides.
 */
async function deliver(report: () => Promise<ReportAnswer>): Promise<ReportAnswer | null> {
	try {
		return await callObject(report, { timeoutMs: CONSUMER_CALL_TIMEOUT_MS });
	} catch (error) {
		console.error(`taskplane: report lost (${classifyObjectError(error)}); the task's timeout will settle it`, error);
		return null;
	}
}

async function runAttempt(object: () => DurableObjectStub<TaskObject>, spec: AttemptSpec, tenant: string, env: Env): Promise<void> {
	const { attempt } = spec;
	const handler = handlerFor(spec.task_name);
	if (!handler) {
		const error = { code: "UNKNOWN_TASK", message: `no handler is registered for task_name ${spec.task_name}`, retryable: false };
		await deliver(() => object().fail(attempt, error));
		return;
	}
	const controller = new AbortController();
	const heed = (answer: ReportAnswer | null) => {
		if (answer && (!answer.ok || answer.cancel_requested) && !controller.signal.aborted) {
			controller.abort(answer.ok ? "cancel requested" : answer.reason);
		}
	};
	const ctx: HandlerContext = {
		task_id: spec.task_id,
		tenant,
		attempt,
		payload: spec.payload,
		signal: controller.signal,
		env,
		progress: async (p) => {
			const progress: TaskProgress = {
				percent: p.percent ?? null,
				done: p.done ?? null,
				total: p.total ?? null,
				message: p.message ?? null,
			};
			heed(await deliver(() => object().progress(attempt, progress)));
		},
		log: async (message, data) => heed(await deliver(() => object().log(attempt, message, data ?? null))),
	};
	try {
		const outcome = await handler(ctx);
		await deliver(() => object().complete(attempt, outcome.result ?? null, outcome.errors ?? []));
	} catch (error) {
		const failure = toFailure(error, controller.signal);
		await deliver(() => object().fail(attempt, failure));
	}
}
