/**
 * Push delivery (execution mode `http`): one signed, bounded POST of an attempt to the user's
 * endpoint, and what its answer means for the attempt. The queue consumer calls it after
 * `startAttempt` gave it the lease, and reports the outcome with the attempt's token, exactly
 * as a target's own report would arrive.
 *
 * The request body is JSON `{task_id, task_name, attempt, payload, token, report_url,
 * lease_expires_at}`, signed with the tenant's secrets (signing.ts); `webhook-id` is
 * `<task_id>.<attempt>`. Outcomes:
 * - 202: accepted — the target reports itself (`POST <report_url>/heartbeat|progress|log|complete|fail`
 *   with `Authorization: Bearer <token>`) before the lease runs out.
 * - other 2xx: COMPLETED with the JSON body as result (an empty body is a null result; a body
 *   that is not JSON fails for good with INVALID_RESULT).
 * - 408, 429, 5xx, a network error, a timeout: a retryable failure (HTTP_<status>,
 *   TARGET_UNREACHABLE, TARGET_TIMEOUT).
 * - any other status (4xx, and 3xx: redirects are not followed, since a redirect could lead
 *   past the SSRF guard): fails for good with HTTP_<status>.
 */
import { DEFAULT_PUSH_TIMEOUT_SECONDS, MAX_PUSH_TIMEOUT_SECONDS } from "../contract/execution";
import type { AttemptLease, ReportedFailure } from "./protocol";
import { type SignatureHeaders, signatureHeaders } from "./signing";
import { type OutboundMode, outboundUrlProblem } from "./ssrf-guard";

/** Where and how an `http` task's attempts are delivered (on its type, or on the task itself). */
export interface PushTarget {
	/** Absolute; https to a public address in a deployment (ssrf-guard.ts). */
	url: string;
	/** Sent with every request (for example the target's own auth); cannot replace the signature headers. */
	headers?: Record<string, string>;
	/** How long one request may take (s); DEFAULT_PUSH_TIMEOUT_SECONDS when omitted. */
	timeout_seconds?: number;
}

export { DEFAULT_PUSH_TIMEOUT_SECONDS, MAX_PUSH_TIMEOUT_SECONDS };

/** A 2xx body larger than this is not taken as a result (the task's result has the create body's limit). */
export const MAX_PUSH_RESULT_BYTES = 256 * 1024;

export type PushOutcome = { kind: "complete"; result: unknown } | { kind: "accepted" } | { kind: "fail"; error: ReportedFailure };

export interface PushContext {
	/** The tenant's signing secrets, current first (services/signing-secret.ts). */
	secrets: readonly string[];
	/** Absolute `…/v1/tasks/{task_id}`: the base the target posts its reports under (null: the deployment has no PUBLIC_URL). */
	reportUrl: string | null;
	mode: OutboundMode;
	/** The request's clock for the signature timestamp. */
	now: Date;
	/** Injected so tests can stand in for the network. */
	fetch: typeof fetch;
}

export interface PushRequest {
	url: string;
	headers: Record<string, string>;
	body: string;
}

const fail = (code: string, message: string, retryable: boolean): PushOutcome => ({ kind: "fail", error: { code, message, retryable } });

/** Keeps a failure message short enough to read in a task's error_message. */
function snippet(text: string): string {
	const flat = text.replace(/\s+/g, " ").trim();
	return flat.length > 300 ? `${flat.slice(0, 300)}…` : flat;
}

/** The signed request for one attempt; the user's headers never replace ours. */
export function pushRequest(lease: AttemptLease, target: PushTarget, ctx: Pick<PushContext, "secrets" | "reportUrl" | "now">): PushRequest {
	const body = JSON.stringify({
		task_id: lease.task_id,
		task_name: lease.task_name,
		attempt: lease.attempt,
		payload: lease.payload,
		token: lease.token,
		report_url: ctx.reportUrl,
		lease_expires_at: lease.lease_expires_at,
	});
	const signed: SignatureHeaders = signatureHeaders(ctx.secrets, `${lease.task_id}.${lease.attempt}`, ctx.now, body);
	const own = Object.fromEntries(
		Object.entries(target.headers ?? {}).filter(([name]) => !/^(webhook-|content-type$|content-length$)/i.test(name)),
	);
	return { url: target.url, headers: { ...own, "content-type": "application/json", ...signed }, body };
}

/** What an answer means for the attempt: the outcome table above. */
export function outcomeOf(status: number, text: string): PushOutcome {
	if (status === 202) {
		return { kind: "accepted" };
	}
	if (status >= 200 && status < 300) {
		if (text.length > MAX_PUSH_RESULT_BYTES) {
			return fail("RESULT_TOO_LARGE", `the target answered ${status} with a body over ${MAX_PUSH_RESULT_BYTES / 1024} KiB`, false);
		}
		if (text.trim() === "") {
			return { kind: "complete", result: null };
		}
		try {
			return { kind: "complete", result: JSON.parse(text) };
		} catch {
			return fail("INVALID_RESULT", `the target answered ${status} with a body that is not JSON: ${snippet(text)}`, false);
		}
	}
	const retryable = status === 408 || status === 429 || status >= 500;
	const said = snippet(text);
	const why = status >= 300 && status < 400 ? " (redirects are not followed)" : "";
	return fail(`HTTP_${status}`, `the target answered ${status}${why}${said ? `: ${said}` : ""}`, retryable);
}

/**
 * Sends one attempt to `target` and answers its outcome; never throws. The URL passes the SSRF
 * guard again here (the deployment's mode may differ from the one that accepted the target).
 */
export async function pushAttempt(lease: AttemptLease, target: PushTarget, ctx: PushContext): Promise<PushOutcome> {
	const refused = outboundUrlProblem(target.url, ctx.mode);
	if (refused !== null) {
		return fail("TARGET_REFUSED", `the target URL cannot be called: ${refused}`, false);
	}
	const request = pushRequest(lease, target, ctx);
	const timeoutMs = (target.timeout_seconds ?? DEFAULT_PUSH_TIMEOUT_SECONDS) * 1000;
	try {
		// Called unbound: workerd's fetch throws "Illegal invocation" when `this` is the context.
		const send = ctx.fetch;
		const response = await send(request.url, {
			method: "POST",
			headers: request.headers,
			body: request.body,
			redirect: "manual",
			signal: AbortSignal.timeout(timeoutMs),
		});
		return outcomeOf(response.status, await response.text());
	} catch (error) {
		if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
			return fail("TARGET_TIMEOUT", `the target did not answer within ${timeoutMs / 1000} s`, true);
		}
		return fail("TARGET_UNREACHABLE", `the target could not be reached: ${error instanceof Error ? error.message : String(error)}`, true);
	}
}
