/** Statistics over a known set of history rows, through the service and GET /v1/tasks/stats. */
import { env, exports } from "cloudflare:workers";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { bucketPercentile } from "../src/history/rollup";
import { ROLLUP_BUCKETS } from "../src/history/schema";
import { type TaskStats, taskStats } from "../src/services/history";
import type { Task } from "../src/task/task";
import { ago, craftTask, HOUR, seed } from "./helpers/history-seed";

const now = Date.now();
const recent = (i: number) => ago(HOUR + i * 1000, now);
const known = (): Task[] => [
	...Array.from({ length: 20 }, (_, i) =>
		craftTask({ task_name: "etl.load", status: "COMPLETED", duration_seconds: i + 1, created_at: recent(i) }),
	),
	...[1, 2].map((i) =>
		craftTask({ task_name: "email.send", status: "COMPLETED_WITH_ERRORS", duration_seconds: 100, created_at: recent(20 + i) }),
	),
	...[1, 2, 3].map((i) => craftTask({ task_name: "email.send", status: "FAILED", duration_seconds: 50, created_at: recent(30 + i) })),
	craftTask({ task_name: "email.send", status: "CANCELED", duration_seconds: null, created_at: recent(40) }),
	...[1, 2].map((i) => craftTask({ task_name: "email.send", status: "PROCESSING", created_at: recent(50 + i) })),
	craftTask({ task_name: "email.send", status: "PENDING", created_at: recent(60), namespace: "mail" }),
	// Outside the default 24 hours.
	craftTask({ task_name: "etl.load", status: "COMPLETED", duration_seconds: 5000, created_at: ago(48 * HOUR, now) }),
];

describe("taskStats", () => {
	beforeAll(async () => {
		await seed("stats", known());
	});

	it("counts, averages and ranks durations over the last 24 hours", async () => {
		const stats = await taskStats(env, "stats", {}, now);
		expect(stats).toEqual<TaskStats>({
			total: 29,
			by_status: { PENDING: 1, SCHEDULED: 0, QUEUED: 0, PROCESSING: 2, COMPLETED: 20, COMPLETED_WITH_ERRORS: 2, FAILED: 3, CANCELED: 1 },
			by_type: { etl: 20, email: 9 },
			running: 2,
			completed: 22,
			failed: 3,
			canceled: 1,
			// Durations 1..20, 50 ×3, 100 ×2: mean 560 / 25; nearest ranks 13 and 24 of 25, exactly.
			average_duration_seconds: 22.4,
			p50_duration_seconds: 13,
			p95_duration_seconds: 100,
			success_rate: 0.8462,
			window: { hours_ago: 24, from: new Date(now - 24 * HOUR).toISOString(), to: new Date(now).toISOString() },
		});
	});

	it("filters by type and namespace, and widens or drops the window", async () => {
		const email = await taskStats(env, "stats", { task_type: ["email"] }, now);
		// Rank 3 of 5 is the last of the three 50s.
		expect(email).toMatchObject({ total: 9, completed: 2, failed: 3, p50_duration_seconds: 50, success_rate: 0.3333 });
		expect((await taskStats(env, "stats", { namespace: "mail" }, now)).total).toBe(1);
		expect((await taskStats(env, "stats", { hours_ago: 72 }, now)).total).toBe(30);
		const all = await taskStats(env, "stats", { hours_ago: null }, now);
		expect(all.total).toBe(30);
		expect(all.window.from).toBeNull();
	});

	it("has nulls, not zeros, where nothing finished", async () => {
		const empty = await taskStats(env, "nobody", {}, now);
		expect(empty).toMatchObject({ total: 0, success_rate: null, average_duration_seconds: null, p50_duration_seconds: null });
		expect(Object.values(empty.by_status).every((n) => n === 0)).toBe(true);
	});
});

describe("percentiles", () => {
	/** Durations to the ms, from 0 to beyond the last bucket bound. */
	const seconds = fc.integer({ min: 0, max: 100_000_000 }).map((ms) => ms / 1000);
	/** Nearest rank, as statistics define p50 and p95. */
	const exact = (durations: number[], p: number) => [...durations].sort((a, b) => a - b)[Math.ceil(durations.length * p) - 1];

	it("are the exact nearest-rank durations, never above the longest task (five tasks of 0.004-5.19 s)", async () => {
		const durations = [0.004, 0.03, 0.9, 2.4, 5.19];
		// One in the current hour (raw rows), the rest in whole hours the rollup holds.
		await seed(
			"p-five",
			durations.map((d, i) =>
				craftTask({ status: "COMPLETED", duration_seconds: d, created_at: ago(i === 0 ? 1000 : (i + 1) * HOUR, now) }),
			),
		);
		const stats = await taskStats(env, "p-five", {}, now);
		expect(stats.p50_duration_seconds).toBe(exact(durations, 0.5));
		expect(stats.p95_duration_seconds).toBe(exact(durations, 0.95));
		expect(stats.p95_duration_seconds).toBe(5.19);
	});

	it("match exactly computed percentiles for any set of durations, on either side of the rollup", async () => {
		await fc.assert(
			fc.asyncProperty(fc.array(fc.tuple(seconds, fc.integer({ min: 0, max: 20 })), { minLength: 1, maxLength: 30 }), async (rows) => {
				const tenant = `p-${crypto.randomUUID()}`;
				await seed(
					tenant,
					rows.map(([d, hours]) => craftTask({ status: "FAILED", duration_seconds: d, created_at: ago(hours * HOUR + 1000, now) })),
				);
				const stats = await taskStats(env, tenant, {}, now);
				const durations = rows.map(([d]) => d);
				expect(stats.p50_duration_seconds).toBe(exact(durations, 0.5));
				expect(stats.p95_duration_seconds).toBe(exact(durations, 0.95));
			}),
			{ numRuns: 25 },
		);
	});

	it("beyond the exact limit, interpolate within the bucket of the exact value and the observed minimum and maximum", () => {
		fc.assert(
			fc.property(fc.array(seconds, { minLength: 1, maxLength: 200 }), fc.constantFrom(0.5, 0.95), (durations, p) => {
				const counts = Array(ROLLUP_BUCKETS.length + 1).fill(0);
				const bucketOf = (d: number) => {
					const i = ROLLUP_BUCKETS.findIndex((le) => d <= le);
					return i < 0 ? ROLLUP_BUCKETS.length : i;
				};
				for (const d of durations) {
					counts[bucketOf(d)] += 1;
				}
				const estimate = bucketPercentile(counts, p, Math.min(...durations), Math.max(...durations)) ?? Number.NaN;
				const truth = exact(durations, p) ?? Number.NaN;
				const i = bucketOf(truth);
				// Rounded to ms, as the API answers.
				expect(estimate).toBeGreaterThanOrEqual(Math.max(Math.min(...durations), i === 0 ? 0 : (ROLLUP_BUCKETS[i - 1] ?? 0)) - 0.0005);
				expect(estimate).toBeLessThanOrEqual(Math.min(Math.max(...durations), ROLLUP_BUCKETS[i] ?? Number.POSITIVE_INFINITY) + 0.0005);
			}),
		);
	});
});

describe("GET /v1/tasks/stats", () => {
	it("answers for the caller's tenant, beside GET /v1/tasks/{task_id}", async () => {
		const [task] = await seed("dev", [craftTask({ task_name: "email.send", status: "FAILED", duration_seconds: 3 })]);
		const res = await exports.default.fetch("http://x/v1/tasks/stats?task_type=email&hours_ago=1");
		expect(res.status).toBe(200);
		expect(await res.json()).toMatchObject({ total: 1, failed: 1, success_rate: 0, window: { hours_ago: 1 } });
		const byId = await exports.default.fetch(`http://x/v1/tasks/${task?.task_id}`);
		expect(byId.status).toBe(200);
		expect(await byId.json()).toMatchObject({ task_id: task?.task_id, status: "FAILED" });
	});

	it.each(["hours_ago=0", "hours_ago=soon", "status=FAILED"])("%s is a 422", async (query) => {
		expect((await exports.default.fetch(`http://x/v1/tasks/stats?${query}`)).status).toBe(422);
	});
});
