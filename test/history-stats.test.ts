/** Statistics over a known set of history rows, through the service and GET /v1/tasks/stats. */
import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
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
			// Durations 1..20, 50 ×3, 100 ×2: mean 560 / 25; nearest rank 13 and 24 of 25, interpolated
			// in their buckets: 13 is the 3rd of 10 in (10, 20]; 24 is the 1st of 2 in (60, 120].
			average_duration_seconds: 22.4,
			p50_duration_seconds: 13,
			p95_duration_seconds: 90,
			success_rate: 0.8462,
			window: { hours_ago: 24, from: new Date(now - 24 * HOUR).toISOString(), to: new Date(now).toISOString() },
		});
	});

	it("filters by type and namespace, and widens or drops the window", async () => {
		const email = await taskStats(env, "stats", { task_type: ["email"] }, now);
		// Rank 3 of 5 is the last of the three 50s, in the bucket (30, 60]: its upper bound.
		expect(email).toMatchObject({ total: 9, completed: 2, failed: 3, p50_duration_seconds: 60, success_rate: 0.3333 });
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
