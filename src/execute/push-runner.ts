/**
 * Runs an `http` attempt from the queue consumer: pushes it (push.ts) with the tenant's signing
 * secrets and reports the outcome through the attempt's token, as the target's own report would
 * arrive. The request is bounded by the target's timeout, so no push holds the consumer long;
 * while it is in flight the lease is renewed, so a slow target is not taken for a dead one.
 */
import { signingSecretsOf } from "../services/signing-secret";
import type { AttemptLease, Report, ReportAnswer } from "./protocol";
import { type PushOutcome, type PushTarget, pushAttempt } from "./push";
import { outboundModeOf } from "./ssrf-guard";

/** The object's side: only reports, fenced by the token. */
export interface PushReporter {
	report(token: string, report: Report): Promise<ReportAnswer>;
}

const REPORT_TRIES = 3;

/**
 * Where a target posts its reports: `PUBLIC_URL` (the deployment's own origin, a var) +
 * `/v1/tasks/{id}`, or null when the deployment does not say its URL (then a 202 cannot be
 * followed by reports, and the lease decides).
 */
export function reportUrlOf(env: Env, taskId: string): string | null {
	const base = env.PUBLIC_URL?.replace(/\/+$/, "");
	return base ? `${base}/v1/tasks/${taskId}` : null;
}

function reportFor(outcome: PushOutcome, host: string): Report {
	switch (outcome.kind) {
		case "complete":
			return { kind: "complete", result: outcome.result, errors: [] };
		case "accepted":
			return { kind: "log", message: `${host} accepted the attempt (202) and reports with its token`, data: { status: 202 } };
		case "fail":
			return { kind: "fail", error: outcome.error };
		default: {
			const never: never = outcome;
			throw new Error(`unhandled push outcome ${JSON.stringify(never)}`);
		}
	}
}

/** A report lost to a passing platform error is tried again; if it never lands, the lease settles the attempt. */
async function deliver(reporter: PushReporter, token: string, report: Report): Promise<void> {
	for (let tries = 1; tries <= REPORT_TRIES; tries++) {
		try {
			await reporter.report(token, report);
			return;
		} catch (error) {
			if (tries === REPORT_TRIES) {
				console.error("taskplane: a push outcome could not be reported; the lease will settle it", error);
				return;
			}
			await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** tries));
		}
	}
}

export async function runPush(
	reporter: PushReporter,
	lease: AttemptLease,
	target: PushTarget,
	tenant: string,
	env: Env,
	send: typeof fetch = fetch,
): Promise<PushOutcome> {
	const host = URL.canParse(target.url) ? new URL(target.url).host : target.url;
	const leaseMs = lease.lease_expires_at === null ? null : Date.parse(lease.lease_expires_at) - Date.now();
	const renewal = leaseMs && leaseMs > 0 ? setInterval(() => deliver(reporter, lease.token, { kind: "heartbeat" }), leaseMs / 3) : null;
	let outcome: PushOutcome;
	try {
		const secrets = await signingSecretsOf(env, tenant);
		outcome = await pushAttempt(lease, target, {
			secrets,
			reportUrl: reportUrlOf(env, lease.task_id),
			mode: outboundModeOf(env),
			now: new Date(),
			fetch: send,
		});
	} catch (error) {
		// The secret could not be read (D1 unavailable): nothing was sent, so a retry is safe.
		const message = `the push was not sent: ${error instanceof Error ? error.message : String(error)}`;
		outcome = { kind: "fail", error: { code: "PUSH_NOT_SENT", message, retryable: true } };
	} finally {
		if (renewal !== null) {
			clearInterval(renewal);
		}
	}
	await deliver(reporter, lease.token, reportFor(outcome, host));
	return outcome;
}
