import { describe, expect, it } from "vitest";
import { take } from "../src/auth/token-bucket";
import { expectProblem, issueKey, send, sendDeployed, uniqueTenant } from "./auth-helpers";

describe("token bucket", () => {
	const limit = { perSecond: 50, burst: 100 };

	it("starts full, grants at most what it holds, and refills at its rate", () => {
		const first = take(null, 150, limit, 0);
		expect(first.granted).toBe(100);
		const empty = take(first.bucket, 1, limit, 0);
		expect(empty.granted).toBe(0);
		expect(empty.retryAfterMs).toBe(20);
		expect(take(empty.bucket, 10, limit, 100).granted).toBe(5);
		expect(take(empty.bucket, 1000, limit, 60_000).granted).toBe(100);
	});

	it("never moves backwards in time", () => {
		const drained = take(null, 100, limit, 1000).bucket;
		expect(take(drained, 1, limit, 0).granted).toBe(0);
	});
});

describe("rate limit per key", () => {
	it("answers 429 with Retry-After once a key's own burst is spent", async () => {
		const issued = await issueKey(uniqueTenant("rl"), ["tasks:read"], { rate_limit: { per_second: 0.01, burst: 2 } });
		expect((await send("/v1/messages", { key: issued.key })).status).toBe(200);
		expect((await send("/v1/messages", { key: issued.key })).status).toBe(200);
		const limited = await send("/v1/messages", { key: issued.key });
		await expectProblem(limited, 429, "RATE_LIMITED");
		expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
		expect(Number(limited.headers.get("retry-after"))).toBeLessThanOrEqual(100);
		// Another key of the same tenant has its own bucket.
		const sibling = await issueKey(issued.tenant, ["tasks:read"], { rate_limit: { per_second: 0.01, burst: 2 } });
		expect((await send("/v1/messages", { key: sibling.key })).status).toBe(200);
	});

	it("grants a burst of concurrent requests exactly the key's burst", async () => {
		const issued = await issueKey(uniqueTenant("rl"), ["tasks:read"], { rate_limit: { per_second: 0.01, burst: 5 } });
		const answers = await Promise.all(Array.from({ length: 12 }, () => send("/v1/messages", { key: issued.key })));
		const statuses = answers.map((res) => res.status).sort();
		expect(statuses.filter((s) => s === 200)).toHaveLength(5);
		expect(statuses.filter((s) => s === 429)).toHaveLength(7);
	});

	it("does not cut a concurrent burst short when tokens are leased in batches", async () => {
		// 20/s leases 2 tokens at a time; concurrent requests must share a lease, not each take one.
		const issued = await issueKey(uniqueTenant("rl"), ["tasks:read"], { rate_limit: { per_second: 20, burst: 10 } });
		const answers = await Promise.all(Array.from({ length: 10 }, () => send("/v1/messages", { key: issued.key })));
		expect(answers.map((res) => res.status)).toEqual(Array(10).fill(200));
	});

	it("uses RATE_LIMIT_PER_SECOND and RATE_LIMIT_BURST for keys without their own limit", async () => {
		const issued = await issueKey(uniqueTenant("rl"), ["tasks:read"]);
		const vars = { RATE_LIMIT_PER_SECOND: "0.01", RATE_LIMIT_BURST: "1" } as unknown as Partial<Env>;
		expect((await sendDeployed("/v1/messages", { key: issued.key }, vars)).status).toBe(200);
		await expectProblem(await sendDeployed("/v1/messages", { key: issued.key }, vars), 429, "RATE_LIMITED");
	});

	it("does not limit the keyless dev tenant", async () => {
		for (let i = 0; i < 5; i++) {
			const res = await send("/v1/messages");
			expect(res.status).toBe(200);
		}
	});
});
