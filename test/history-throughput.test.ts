/** Tasks finished per bucket (GET /v1/tasks/stats/throughput): the statistics chart's series. */
import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { taskStats } from "../src/services/history-stats";
import { bucketFor, type Throughput, taskThroughput } from "../src/services/throughput";
import { craftTask, HOUR, seed } from "./helpers/history-seed";

const MINUTE = 60_000;
// On a minute boundary plus 30 s, so the buckets below are easy to name.
const now = Math.floor(Date.now() / MINUTE) * MINUTE + 30_000;
const at = (ms: number) => new Date(now - ms).toISOString();

describe("taskThroughput", () => {
	beforeAll(async () => {
		await seed("throughput", [
			// Created 10 min ago, finished 2 s later: the bucket 10 minutes back.
			craftTask({ task_name: "etl.load", status: "COMPLETED", duration_seconds: 2, created_at: at(10 * MINUTE) }),
			craftTask({ task_name: "etl.load", status: "COMPLETED_WITH_ERRORS", duration_seconds: 2, created_at: at(10 * MINUTE) }),
			// Created 5 min ago, finished 2 min later: the bucket 3 minutes back.
			craftTask({ task_name: "email.send", status: "FAILED", duration_seconds: 120, created_at: at(5 * MINUTE) }),
			craftTask({ task_name: "email.send", status: "CANCELED", duration_seconds: 0, created_at: at(MINUTE), namespace: "mail" }),
			// Live tasks have not finished; a task created before the window is not counted.
			craftTask({ task_name: "email.send", status: "PROCESSING", created_at: at(MINUTE) }),
			craftTask({ task_name: "etl.load", status: "COMPLETED", duration_seconds: 1, created_at: at(2 * HOUR) }),
		]);
	});

	it("counts finished tasks per minute by outcome, every bucket of the window present", async () => {
		const series = await taskThroughput(env, "throughput", { hours_ago: 1 }, now);
		expect(series.bucket_seconds).toBe(60);
		expect(series.buckets).toHaveLength(61);
		expect(series.buckets.at(-1)?.start).toBe(new Date(now - 30_000).toISOString());
		const nonZero = series.buckets.filter((b) => b.completed + b.failed + b.canceled > 0);
		expect(nonZero).toEqual([
			{ start: new Date(now - 30_000 - 10 * MINUTE).toISOString(), completed: 2, failed: 0, canceled: 0 },
			{ start: new Date(now - 30_000 - 3 * MINUTE).toISOString(), completed: 0, failed: 1, canceled: 0 },
			{ start: new Date(now - 30_000 - MINUTE).toISOString(), completed: 0, failed: 0, canceled: 1 },
		]);
	});

	it("sums to the statistics' completed, failed and canceled over the same window and namespace", async () => {
		for (const filters of [{ hours_ago: 1 }, { hours_ago: 3 }, { hours_ago: 24 }, { hours_ago: 1, namespace: "mail" }]) {
			const series = await taskThroughput(env, "throughput", filters, now);
			const stats = await taskStats(env, "throughput", filters, now);
			const sum = (key: "completed" | "failed" | "canceled") => series.buckets.reduce((n, b) => n + b[key], 0);
			expect([sum("completed"), sum("failed"), sum("canceled")]).toEqual([stats.completed, stats.failed, stats.canceled]);
		}
	});

	it("uses hours up to a week and days beyond, and answers over HTTP (422 for a bad window)", async () => {
		expect([bucketFor(3), bucketFor(24), bucketFor(168), bucketFor(720)]).toEqual([MINUTE, HOUR, HOUR, 24 * HOUR]);
		const day = await taskThroughput(env, "throughput", {}, now);
		expect(day).toMatchObject({ bucket_seconds: 3600, window: { hours_ago: 24 } });
		expect(day.buckets).toHaveLength(25);
		const res = await exports.default.fetch("http://taskplane.test/v1/tasks/stats/throughput?hours_ago=1");
		expect(res.status).toBe(200);
		const body = await res.json<Throughput>();
		expect(body.bucket_seconds).toBe(60);
		expect(body.buckets).toHaveLength(61);
		const bad = await exports.default.fetch("http://taskplane.test/v1/tasks/stats/throughput?hours_ago=-1");
		expect(bad.status).toBe(422);
	});
});
