/**
 * The statistics rollup against a from-scratch computation: after flush sequences as the task
 * objects send them (repeated, late, out of order, concurrent), retries and retention, the
 * rollup equals an aggregate of the rows `tasks` holds, and taskStats equals the same figures
 * computed here from the tasks' final snapshots.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { historyDb } from "../src/history/db";
import { deleteExpiredTasks } from "../src/history/retention";
import { rollupBackfill } from "../src/history/rollup";
import { ROLLUP_BUCKETS } from "../src/history/schema";
import { saveTaskSnapshot } from "../src/history/tasks";
import { taskStats } from "../src/services/history";
import { isTerminal, TASK_STATUSES, type Task, type TaskStatus } from "../src/task/task";
import { ago, craftTask, HOUR } from "./helpers/history-seed";
import { inlinedSql, latestMigrationQueries } from "./helpers/migration-sql";

const db = historyDb(env.DB);
const TENANT = "rollup";
const now = Date.now();
/** The newest snapshot sent per task: what history should hold. */
const final = new Map<string, Task>();

async function flush(task: Task) {
	const known = final.get(task.task_id);
	if (!known || known.version < task.version) {
		final.set(task.task_id, task);
	}
	return saveTaskSnapshot(db, TENANT, task);
}

const step = (task: Task, status: TaskStatus, version: number, duration_seconds: number | null = null): Task => ({
	...task,
	status,
	version,
	duration_seconds: isTerminal(status) ? duration_seconds : null,
	completed_at: isTerminal(status) ? new Date(Date.parse(task.created_at) + (duration_seconds ?? 0) * 1000).toISOString() : null,
});

const bucketOf = (d: number) => {
	const i = ROLLUP_BUCKETS.findIndex((upper) => d <= upper);
	return i === -1 ? ROLLUP_BUCKETS.length : i;
};

type Rollup = Record<string, { count: number; duration_count: number; duration_sum: number; buckets: number[] }>;

/** The rollup as it should be, from the terminal rows `tasks` holds now. */
async function fromTasks(): Promise<Rollup> {
	const { results } = await env.DB.prepare("SELECT created_at, task_type, status, duration_seconds FROM tasks WHERE tenant_id = ?")
		.bind(TENANT)
		.all<{ created_at: number; task_type: string; status: TaskStatus; duration_seconds: number | null }>();
	const expected: Rollup = {};
	for (const row of results.filter((r) => isTerminal(r.status))) {
		const key = `${row.created_at - (row.created_at % HOUR)} ${row.task_type} ${row.status}`;
		const entry = expected[key] ?? { count: 0, duration_count: 0, duration_sum: 0, buckets: Array(ROLLUP_BUCKETS.length + 1).fill(0) };
		expected[key] = entry;
		entry.count += 1;
		if (row.duration_seconds !== null) {
			entry.duration_count += 1;
			entry.duration_sum += row.duration_seconds;
			const i = bucketOf(row.duration_seconds);
			entry.buckets[i] = (entry.buckets[i] ?? 0) + 1;
		}
	}
	return expected;
}

async function stored(): Promise<Rollup> {
	const { results } = await env.DB.prepare("SELECT * FROM task_stats_hourly WHERE tenant_id = ? AND count <> 0")
		.bind(TENANT)
		.all<Record<string, number | string>>();
	return Object.fromEntries(
		results.map((r) => [
			`${r.hour} ${r.task_type} ${r.status}`,
			{
				count: Number(r.count),
				duration_count: Number(r.duration_count),
				duration_sum: Number(r.duration_sum),
				buckets: Array.from({ length: ROLLUP_BUCKETS.length + 1 }, (_, i) => Number(r[`b${i}`])),
			},
		]),
	);
}

/** taskStats' counts computed here; the percentiles as the exact nearest-rank durations. */
function expectedStats(hours: number | null, types?: string[]) {
	const from = hours === null ? Number.NEGATIVE_INFINITY : now - hours * HOUR;
	const rows = [...final.values()].filter((t) => {
		const created = Date.parse(t.created_at);
		return created >= from && created <= now && (!types || types.includes(t.task_type));
	});
	const by_status = Object.fromEntries(TASK_STATUSES.map((s) => [s, rows.filter((t) => t.status === s).length]));
	const by_type: Record<string, number> = {};
	for (const t of rows) {
		by_type[t.task_type] = (by_type[t.task_type] ?? 0) + 1;
	}
	const durations = rows.flatMap((t) => (t.duration_seconds === null ? [] : [t.duration_seconds])).sort((a, b) => a - b);
	const rank = (p: number) => durations[Math.ceil(durations.length * p) - 1] ?? null;
	const mean = durations.length ? Math.round((durations.reduce((a, b) => a + b, 0) / durations.length) * 1000) / 1000 : null;
	return { counts: { total: rows.length, by_status, by_type, average_duration_seconds: mean }, p50: rank(0.5), p95: rank(0.95) };
}

/** An interpolated percentile lies in the bucket of the exact one. */
function expectSameBucket(actual: number | null, exact: number | null) {
	if (exact === null) {
		expect(actual).toBeNull();
		return;
	}
	const i = bucketOf(exact);
	expect(actual).toBeGreaterThanOrEqual(i === 0 ? 0 : (ROLLUP_BUCKETS[i - 1] ?? 0));
	expect(actual).toBeLessThanOrEqual(ROLLUP_BUCKETS[i] ?? Number.POSITIVE_INFINITY);
}

async function expectStatsFromScratch() {
	for (const [hours, types] of [[24], [72], [1.5], [0.25], [null], [24, ["etl"]], [72, ["email", "demo"]]] as const) {
		const stats = await taskStats(env, TENANT, { hours_ago: hours, task_type: types ? [...types] : undefined }, now);
		const expected = expectedStats(hours, types ? [...types] : undefined);
		expect(stats, `hours_ago ${hours} ${types ?? ""}`).toMatchObject(expected.counts);
		expectSameBucket(stats.p50_duration_seconds, expected.p50);
		expectSameBucket(stats.p95_duration_seconds, expected.p95);
	}
}

const NAMES = ["etl.load", "email.send", "demo.sleep"];
const TERMINALS = ["COMPLETED", "COMPLETED_WITH_ERRORS", "FAILED", "CANCELED"] as const;

describe("the statistics rollup", () => {
	beforeAll(async () => {
		// Plenty of plain lifecycles over three days, in every status, with durations across the buckets.
		const bulk = Array.from({ length: 90 }, (_, i) =>
			craftTask({ task_name: NAMES[i % 3], status: "PENDING", version: 1, created_at: ago(i * 47 * 60_000 + 1000, now) }),
		);
		for (const [i, task] of bulk.entries()) {
			await flush(task);
			if (i % 9 === 0) {
				continue; // stays PENDING
			}
			await flush(step(task, "PROCESSING", 2));
			if (i % 9 === 1) {
				continue;
			}
			const duration = i % 11 === 0 ? null : ((i * 7919) % 4000) / 4;
			await flush(step(task, TERMINALS[i % 4] ?? "COMPLETED", 3, duration));
		}
	});

	it("counts a task once however its flushes arrive", async () => {
		// Repeated, then a late flush of an older version.
		const a = craftTask({ task_name: "etl.load", status: "PENDING", version: 1, created_at: ago(3 * HOUR, now) });
		await flush(a);
		await flush(step(a, "PROCESSING", 2));
		const done = step(a, "COMPLETED", 3, 12);
		expect(await flush(done)).toBeGreaterThan(0);
		expect(await flush(done)).toBe(0);
		expect(await flush(step(a, "PROCESSING", 2))).toBe(0);
		// Terminal first, then the earlier versions out of order.
		const b = craftTask({ task_name: "email.send", status: "PENDING", version: 1, created_at: ago(4 * HOUR, now) });
		await flush(step(b, "FAILED", 3, 40));
		await flush(b);
		await flush(step(b, "PROCESSING", 2));
		// The same terminal flush several times at once.
		const c = craftTask({ task_name: "demo.sleep", status: "PENDING", version: 1, created_at: ago(5 * HOUR, now) });
		await flush(c);
		await Promise.all(Array.from({ length: 5 }, () => flush(step(c, "CANCELED", 2, 0.05))));
		// A newer terminal version: the same figures change nothing, a new duration moves the task.
		const d = craftTask({ task_name: "etl.load", status: "PENDING", version: 1, created_at: ago(6 * HOUR, now) });
		await flush(step(d, "COMPLETED", 3, 3));
		await flush(step(d, "COMPLETED", 4, 3));
		await flush(step(d, "COMPLETED", 5, 4000));
		expect(await stored()).toEqual(await fromTasks());
		await expectStatsFromScratch();
	});

	it("moves a FAILED task that is retried and completes later", async () => {
		const e = craftTask({ task_name: "email.send", status: "PENDING", version: 1, created_at: ago(2 * HOUR, now) });
		await flush(step(e, "FAILED", 3, 40));
		const failed = (await stored())[`${Date.parse(e.created_at) - (Date.parse(e.created_at) % HOUR)} email FAILED`];
		expect(failed?.count).toBe(1);
		await flush(step(e, "QUEUED", 4));
		expect(await stored()).toEqual(await fromTasks());
		await flush(step(e, "PROCESSING", 5));
		await flush(step(e, "COMPLETED", 6, 7));
		await flush(step(e, "QUEUED", 4));
		expect(await stored()).toEqual(await fromTasks());
		await expectStatsFromScratch();
	});

	it("loses the counts of the rows retention deletes, and its emptied rows", async () => {
		const purge = async (cutoff: number) => {
			while ((await deleteExpiredTasks(db, cutoff, 20)) === 20) {}
			for (const [id, task] of final) {
				if (task.completed_at !== null && Date.parse(task.completed_at) < cutoff) {
					final.delete(id);
				}
			}
		};
		await purge(now - 30 * HOUR);
		expect(await stored()).toEqual(await fromTasks());
		await expectStatsFromScratch();
		await purge(now + 48 * HOUR);
		const left = await env.DB.prepare("SELECT count(*) AS n FROM task_stats_hourly WHERE tenant_id = ?")
			.bind(TENANT)
			.first<{ n: number }>();
		expect(left?.n).toBe(0);
		await expectStatsFromScratch();
	});
});

it("backfills the history written before the rollup with rollupBackfill's own statement", () => {
	const inlined = inlinedSql(rollupBackfill(db));
	// The latest backfill rebuilds the rollup and fills the counters in the shape the code writes now.
	const queries = latestMigrationQueries("stats_rollup_backfill");
	expect(queries).toContain(inlined);
	expect(queries?.[0]).toBe("DELETE FROM task_stats_hourly");
});
