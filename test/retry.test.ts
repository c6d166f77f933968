import { describe, expect, it } from "vitest";
import { backoffMs, RETRY_BACKOFF } from "../src/task/retry";

const JUST_BELOW_ONE = 1 - Number.EPSILON;

describe("backoffMs: exponential (base 1 s, factor 2, cap 5 min) with full jitter", () => {
	it("uses the policy README and ARCHITECTURE.md name", () => {
		expect(RETRY_BACKOFF).toEqual({ baseMs: 1_000, factor: 2, capMs: 300_000 });
	});

	it.each([
		[1, 1_000],
		[2, 2_000],
		[3, 4_000],
		[5, 16_000],
		[9, 256_000],
		[10, 300_000],
		[50, 300_000],
		[10_000, 300_000],
	])("attempt %i: ceiling %i ms", (attempt, ceiling) => {
		expect(backoffMs(attempt, () => 0)).toBe(0);
		const top = backoffMs(attempt, () => JUST_BELOW_ONE);
		expect(top).toBeLessThanOrEqual(ceiling);
		expect(top).toBeGreaterThanOrEqual(ceiling - 1);
		expect(backoffMs(attempt, () => 0.5)).toBe(ceiling / 2);
	});

	it("stays within [0, ceiling] for any draw", () => {
		for (let i = 0; i < 200; i++) {
			const delay = backoffMs(4, Math.random);
			expect(delay).toBeGreaterThanOrEqual(0);
			expect(delay).toBeLessThanOrEqual(8_000);
			expect(Number.isInteger(delay)).toBe(true);
		}
	});

	it("treats attempt 0 like the first attempt", () => {
		expect(backoffMs(0, () => 0.5)).toBe(500);
	});

	it("honours another policy's cap", () => {
		expect(backoffMs(20, () => JUST_BELOW_ONE, { baseMs: 100, factor: 3, capMs: 1_000 })).toBeLessThanOrEqual(1_000);
	});
});
