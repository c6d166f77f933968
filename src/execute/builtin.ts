/**
 * The builtin runner: a compiled-in handler run by the task's own object, from its alarm
 * (ARCHITECTURE.md § Execution), so no run ever waits behind another's. Everything the handler says
 * goes back to the object as a runner's report, fenced by attempt like any other runner's.
 */

import { type HandlerContext, handlerFor, TaskError } from "./handlers";
import type { Report, ReportAnswer, ReportedFailure } from "./protocol";

export interface BuiltinAttempt {
	task_id: string;
	tenant: string;
	task_name: string;
	attempt: number;
	payload: unknown;
}

function toFailure(error: unknown, signal: AbortSignal): ReportedFailure {
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
 * Runs the attempt's handler to its end and reports that end. `signal` is the object's: it
 * aborts at once on a cancel, a timeout or a lost attempt. Never throws.
 */
export async function runBuiltin(
	attempt: BuiltinAttempt,
	env: Env,
	signal: AbortSignal,
	report: (report: Report) => Promise<ReportAnswer>,
): Promise<void> {
	const handler = handlerFor(attempt.task_name);
	if (!handler) {
		const error = { code: "UNKNOWN_TASK", message: `no handler is compiled in for task_name ${attempt.task_name}`, retryable: false };
		await report({ kind: "fail", error });
		return;
	}
	const ctx: HandlerContext = {
		task_id: attempt.task_id,
		tenant: attempt.tenant,
		attempt: attempt.attempt,
		payload: attempt.payload,
		signal,
		env,
		progress: async (progress) => {
			await report({ kind: "progress", progress });
		},
		log: async (message, data) => {
			await report({ kind: "log", message, data: data ?? null });
		},
	};
	try {
		const outcome = await handler(ctx);
		await report({ kind: "complete", result: outcome.result ?? null, errors: outcome.errors ?? [] });
	} catch (error) {
		await report({ kind: "fail", error: toFailure(error, signal) });
	}
}
