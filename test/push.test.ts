import { Webhook } from "standardwebhooks";
import { describe, expect, it, vi } from "vitest";
import type { AttemptLease } from "../src/execute/protocol";
import { outcomeOf, type PushContext, pushAttempt } from "../src/execute/push";
import { newSigningSecret } from "../src/execute/signing";

const lease: AttemptLease = {
	task_id: "0193a0b0-0000-7000-8000-000000000001",
	task_name: "render.video",
	task_type: "other",
	namespace: "default",
	attempt: 2,
	payload: { frames: 24 },
	token: "tpa_secret-token",
	lease_expires_at: "2026-12-01T00:01:00.000Z",
	target: null,
};

function context(answer: (request: Request) => Response | Promise<Response>, secrets = [newSigningSecret()]) {
	const seen: Request[] = [];
	const ctx: PushContext = {
		secrets,
		reportUrl: `https://taskplane.example/v1/tasks/${lease.task_id}`,
		mode: "deployed",
		now: new Date(),
		// As workerd's fetch does, refuse to run bound to another object.
		fetch: vi.fn(async function (this: unknown, input: RequestInfo | URL, init?: RequestInit) {
			if (this !== undefined && this !== globalThis) {
				throw new TypeError("Illegal invocation: function called with incorrect `this` reference.");
			}
			const request = new Request(input, init);
			seen.push(request.clone());
			return answer(request);
		}) as typeof fetch,
	};
	return { ctx, seen };
}

describe("what a push target's answer means", () => {
	it.each([
		[200, '{"frames_done": 24}', { kind: "complete", result: { frames_done: 24 } }],
		[201, "[1,2]", { kind: "complete", result: [1, 2] }],
		[204, "", { kind: "complete", result: null }],
		[202, "", { kind: "accepted" }],
		[202, '{"queued": true}', { kind: "accepted" }],
		[200, "<html>ok</html>", { kind: "fail", error: { code: "INVALID_RESULT", retryable: false } }],
		[400, "bad frames", { kind: "fail", error: { code: "HTTP_400", message: "the target answered 400: bad frames", retryable: false } }],
		[401, "", { kind: "fail", error: { code: "HTTP_401", retryable: false } }],
		[404, "", { kind: "fail", error: { code: "HTTP_404", retryable: false } }],
		[422, "", { kind: "fail", error: { code: "HTTP_422", retryable: false } }],
		[
			302,
			"",
			{ kind: "fail", error: { code: "HTTP_302", message: "the target answered 302 (redirects are not followed)", retryable: false } },
		],
		[408, "", { kind: "fail", error: { code: "HTTP_408", retryable: true } }],
		[429, "slow down", { kind: "fail", error: { code: "HTTP_429", retryable: true } }],
		[500, "", { kind: "fail", error: { code: "HTTP_500", retryable: true } }],
		[503, "", { kind: "fail", error: { code: "HTTP_503", retryable: true } }],
	])("%i %j → %j", (status, body, outcome) => {
		expect(outcomeOf(status, body)).toMatchObject(outcome);
	});

	it("a 2xx body too large to be a result fails for good", () => {
		expect(outcomeOf(200, `"${"x".repeat(256 * 1024)}"`)).toMatchObject({
			kind: "fail",
			error: { code: "RESULT_TOO_LARGE", retryable: false },
		});
	});
});

describe("pushAttempt", () => {
	it("POSTs the attempt signed, so the target verifies it with standardwebhooks and gets what it needs to report", async () => {
		const [current, previous] = [newSigningSecret(), newSigningSecret()];
		const { ctx, seen } = context(() => Response.json({ ok: true }), [current, previous]);
		const target = { url: "https://push.example/run", headers: { authorization: "Bearer target-own", "webhook-id": "forged" } };
		expect(await pushAttempt(lease, target, ctx)).toEqual({ kind: "complete", result: { ok: true } });

		const request = seen[0] as Request;
		expect(request.method).toBe("POST");
		expect(request.url).toBe("https://push.example/run");
		expect(request.headers.get("authorization")).toBe("Bearer target-own");
		expect(request.headers.get("webhook-id")).toBe(`${lease.task_id}.2`);
		const body = await request.text();
		const headers = Object.fromEntries(request.headers);
		for (const secret of [current, previous]) {
			expect(new Webhook(secret).verify(body, headers)).toEqual({
				task_id: lease.task_id,
				task_name: "render.video",
				attempt: 2,
				payload: { frames: 24 },
				token: "tpa_secret-token",
				report_url: `https://taskplane.example/v1/tasks/${lease.task_id}`,
				lease_expires_at: lease.lease_expires_at,
			});
		}
		expect(() => new Webhook(newSigningSecret()).verify(body, headers)).toThrow();
	});

	it("checks the URL again before sending: a private address is refused for good and never called", async () => {
		const { ctx, seen } = context(() => Response.json({}));
		const outcome = await pushAttempt(lease, { url: "https://169.254.169.254/latest" }, ctx);
		expect(outcome).toMatchObject({ kind: "fail", error: { code: "TARGET_REFUSED", retryable: false } });
		expect(seen).toHaveLength(0);
		const local = await pushAttempt(lease, { url: "http://127.0.0.1:9/" }, { ...ctx, mode: "development", fetch: ctx.fetch });
		expect(local.kind).toBe("complete");
	});

	it("a timeout and an unreachable target are retryable", async () => {
		const timedOut = context(() => {
			throw new DOMException("The operation was aborted due to timeout", "TimeoutError");
		});
		expect(await pushAttempt(lease, { url: "https://push.example/", timeout_seconds: 5 }, timedOut.ctx)).toMatchObject({
			kind: "fail",
			error: { code: "TARGET_TIMEOUT", message: "the target did not answer within 5 s", retryable: true },
		});
		const unreachable = context(() => {
			throw new TypeError("Network connection lost.");
		});
		expect(await pushAttempt(lease, { url: "https://push.example/" }, unreachable.ctx)).toMatchObject({
			kind: "fail",
			error: { code: "TARGET_UNREACHABLE", retryable: true },
		});
	});

	it("bounds the request with the target's timeout", async () => {
		const { ctx } = context(
			(request) =>
				new Promise<Response>((_resolve, reject) => {
					request.signal.addEventListener("abort", () => reject(request.signal.reason));
				}),
		);
		const outcome = await pushAttempt(lease, { url: "https://push.example/", timeout_seconds: 1 }, ctx);
		expect(outcome).toMatchObject({ kind: "fail", error: { code: "TARGET_TIMEOUT", retryable: true } });
	});
});
