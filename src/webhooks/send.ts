/**
 * One try of one webhook delivery: a POST of the event's exact JSON, signed by the Standard
 * Webhooks scheme (src/execute/signing.ts) with `webhook-id` = the event id on every try, so a
 * receiver de-duplicates by it. 2xx is delivered; any other answer, a network error or no
 * answer within SEND_TIMEOUT_MS is a failed try. Redirects are not followed (a redirect could
 * lead past the SSRF guard, which judges the URL again here).
 */
import { signatureHeaders } from "../execute/signing";
import { type OutboundMode, outboundUrlProblem } from "../execute/ssrf-guard";

/** A receiver should answer at once and do its work later. */
export const SEND_TIMEOUT_MS = 15_000;

export interface SendTry {
	url: string;
	/** The signing secrets, current first. */
	secrets: readonly string[];
	event_id: string;
	body: string;
}

export interface TryResult {
	ok: boolean;
	/** The HTTP status, null when there was no answer. */
	status: number | null;
	ms: number;
	/** Why a try failed, for the delivery log; null when it succeeded. */
	error: string | null;
	/** A URL the guard refuses will never be called: no retry. */
	refused: boolean;
}

export interface SendContext {
	mode: OutboundMode;
	now: () => number;
	fetch: typeof fetch;
}

/** Never throws. */
export async function sendTry(attempt: SendTry, ctx: SendContext): Promise<TryResult> {
	const started = ctx.now();
	const refused = outboundUrlProblem(attempt.url, ctx.mode);
	if (refused !== null) {
		return { ok: false, status: null, ms: 0, error: `the URL cannot be called: ${refused}`, refused: true };
	}
	const headers = {
		"content-type": "application/json",
		"user-agent": "taskplane-webhooks",
		...signatureHeaders(attempt.secrets, attempt.event_id, new Date(started), attempt.body),
	};
	try {
		// Called unbound: workerd's fetch throws "Illegal invocation" when `this` is the context.
		const send = ctx.fetch;
		const response = await send(attempt.url, {
			method: "POST",
			headers,
			body: attempt.body,
			redirect: "manual",
			signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
		});
		// Read (and drop) the body so the connection is released.
		const text = await response.text().catch(() => "");
		const ms = ctx.now() - started;
		const ok = response.status >= 200 && response.status < 300;
		const said = text.replace(/\s+/g, " ").trim().slice(0, 200);
		return { ok, status: response.status, ms, error: ok ? null : `HTTP ${response.status}${said ? `: ${said}` : ""}`, refused: false };
	} catch (error) {
		const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
		const why = timedOut
			? `no answer within ${SEND_TIMEOUT_MS / 1000} s`
			: `unreachable: ${error instanceof Error ? error.message : String(error)}`;
		return { ok: false, status: null, ms: ctx.now() - started, error: why, refused: false };
	}
}
