import { describe, expect, it } from "vitest";
import { callObject, classifyObjectError, OBJECT_CALL_BACKOFF, redeliveryDelaySeconds } from "../src/platform/object-calls";

/** An error shaped as the Durable Object runtime throws it. */
function platformError(
	flags: { retryable?: boolean; overloaded?: boolean; remote?: boolean },
	message = "Network connection lost.",
): Error {
	return Object.assign(new Error(message), flags);
}

describe("classifyObjectError", () => {
	it.each([
		["a transient platform error", platformError({ retryable: true }), "retryable"],
		["an overloaded object, even if marked retryable", platformError({ retryable: true, overloaded: true }), "overloaded"],
		["the old overload message", new Error("Durable Object is overloaded. Too many requests queued."), "overloaded"],
		["the object's own exception", platformError({ remote: true }, "boom"), "failed"],
		["a plain error", new Error("boom"), "failed"],
		["a thrown string", "boom", "failed"],
	])("%s is %s", (_, error, kind) => {
		expect(classifyObjectError(error)).toBe(kind);
	});
});

describe("callObject", () => {
	function failing(errors: unknown[]) {
		let calls = 0;
		return {
			call: async () => {
				const error = errors[calls++];
				if (error !== undefined) {
					throw error;
				}
				return "answer";
			},
			calls: () => calls,
		};
	}

	it("retries a retryable error with full-jitter backoff and answers what the call answers", async () => {
		const slept: number[] = [];
		const target = failing([platformError({ retryable: true }), platformError({ retryable: true })]);
		const answer = await callObject(target.call, { random: () => 0.999, sleep: async (ms) => void slept.push(ms) });
		expect(answer).toBe("answer");
		expect(target.calls()).toBe(3);
		// Below the exponential ceiling of each try: 100 ms, then 200 ms.
		expect(slept).toEqual([Math.floor(0.999 * OBJECT_CALL_BACKOFF.baseMs), Math.floor(0.999 * OBJECT_CALL_BACKOFF.baseMs * 2)]);
	});

	it("never retries an overloaded object or the object's own error", async () => {
		for (const error of [platformError({ retryable: true, overloaded: true }), platformError({ remote: true }, "boom")]) {
			const target = failing([error]);
			await expect(callObject(target.call, { sleep: async () => {} })).rejects.toBe(error);
			expect(target.calls()).toBe(1);
		}
	});

	it("gives up after `tries` and throws the last error", async () => {
		const last = platformError({ retryable: true }, "third");
		const target = failing([platformError({ retryable: true }), platformError({ retryable: true }), last]);
		await expect(callObject(target.call, { tries: 3, sleep: async () => {} })).rejects.toBe(last);
		expect(target.calls()).toBe(3);
	});
});

describe("redeliveryDelaySeconds", () => {
	it("is jittered below a doubling ceiling capped at 60 s, at least 1 s, and one step longer for an overloaded object", () => {
		expect(redeliveryDelaySeconds(1, "retryable", () => 0)).toBe(1);
		expect(redeliveryDelaySeconds(3, "retryable", () => 0.5)).toBe(2);
		expect(redeliveryDelaySeconds(3, "overloaded", () => 0.5)).toBe(4);
		expect(redeliveryDelaySeconds(30, "failed", () => 0.999)).toBe(60);
		const draws = new Set(Array.from({ length: 50 }, (_, i) => redeliveryDelaySeconds(6, "retryable", () => i / 50)));
		expect(draws.size).toBeGreaterThan(10);
	});
});

describe("callObject with timeoutMs", () => {
	it("gives up on a call whose answer never comes, as a retryable error, and tries again", async () => {
		let calls = 0;
		const never = () => {
			calls += 1;
			return new Promise<string>(() => {});
		};
		const error = await callObject(never, { tries: 2, timeoutMs: 5, sleep: async () => {} }).catch((e: unknown) => e);
		expect(classifyObjectError(error)).toBe("retryable");
		expect(calls).toBe(2);
	});
});
