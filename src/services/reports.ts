/**
 * Runner reports (ARCHITECTURE.md § Execution): what the report routes call. The route's token names the
 * tenant; the task's object checks the token against the hashes it issued and fences the report
 * by that token's attempt.
 */
import { ApiError } from "../errors";
import type { Report, ReportAnswer, ReportReceipt } from "../execute/protocol";
import { callObject } from "../platform/object-calls";
import { taskStub } from "../task/stub";
import { requireTaskId } from "./tasks";

/**
 * Throws ApiError NOT_FOUND (404) for an unknown task or a token it never issued, CONFLICT (409)
 * for a token whose attempt is not the running one or a task that has ended (a hard cancel included).
 */
export async function reportAttempt(env: Env, tenant: string, rawTaskId: string, token: string, report: Report): Promise<ReportReceipt> {
	const taskId = requireTaskId(rawTaskId);
	// Reports are fenced by token, so one retried after a retryable platform error is harmless.
	// Cast: the RPC stub's wrapped return type loses the `ok` discriminant.
	const answer = await callObject<ReportAnswer>(async () => (await taskStub(env, tenant, taskId).report(token, report)) as ReportAnswer);
	if (answer.ok) {
		return { cancel_requested: answer.cancel_requested, lease_expires_at: answer.lease_expires_at };
	}
	throw new ApiError(answer.code === "NOT_FOUND" ? "NOT_FOUND" : "CONFLICT", answer.reason);
}
