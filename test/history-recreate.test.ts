/**
 * Reusing an Idempotency-Key after the task's object purged itself re-creates the task with the
 * same id at version 1. History orders snapshots by (created_at, version), so the new task
 * replaces the old one in D1 — its row, its metadata keys and its part of the stats rollup —
 * while a late flush of the old task still cannot move history back.
 */
import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { historyDb } from "../src/history/db";
import { saveTaskSnapshot, saveTaskSnapshots } from "../src/history/tasks";
import { historyRow } from "./helpers";
import { craftTask, HOUR } from "./helpers/history-seed";

const db = historyDb(env.DB);
const TENANT = "recreate";

async function metadataKeys(taskId: string) {
	const { results } = await env.DB.prepare("SELECT key, value FROM task_metadata WHERE task_id = ? ORDER BY key").bind(taskId).all();
	return results;
}

async function rollupCount(status: string): Promise<number> {
	const row = await env.DB.prepare("SELECT coalesce(sum(count), 0) AS n FROM task_stats_hourly WHERE tenant_id = ? AND status = ?")
		.bind(TENANT, status)
		.first<{ n: number }>();
	return row?.n ?? 0;
}

it("a task re-created after purge replaces its predecessor in D1, and the old task's late flush does not win back", async () => {
	const oldCreated = new Date(Date.now() - 8 * 24 * HOUR).toISOString();
	const old = craftTask({ status: "COMPLETED", created_at: oldCreated, metadata: { company: "old" } });
	await saveTaskSnapshot(db, TENANT, old);
	expect(await rollupCount("COMPLETED")).toBe(1);

	const fresh = { ...craftTask({ metadata: { company: "new" } }), task_id: old.task_id };
	expect(fresh.version).toBe(1);
	await saveTaskSnapshot(db, TENANT, fresh);
	const row = await historyRow(old.task_id);
	expect(row).toMatchObject({ status: "PENDING", version: 1 });
	expect(JSON.parse(row?.snapshot ?? "{}")).toMatchObject({ created_at: fresh.created_at, metadata: { company: "new" } });
	expect(await metadataKeys(old.task_id)).toEqual([{ key: "company", value: "new" }]);
	expect(await rollupCount("COMPLETED")).toBe(0);

	// The old object's snapshot arriving late (a repeated flush) changes nothing.
	await saveTaskSnapshot(db, TENANT, old);
	expect(await historyRow(old.task_id)).toMatchObject({ status: "PENDING", version: 1 });
	expect(await rollupCount("COMPLETED")).toBe(0);

	// The new task then moves on as any task does.
	await saveTaskSnapshot(db, TENANT, {
		...fresh,
		status: "FAILED",
		version: 4,
		completed_at: new Date().toISOString(),
		duration_seconds: 2,
	});
	expect(await historyRow(old.task_id)).toMatchObject({ status: "FAILED", version: 4 });
	expect(await rollupCount("FAILED")).toBe(1);
});

it("a batch holding several snapshots of one task keeps the latest, and is one statement group for all tasks", async () => {
	const a = craftTask();
	const b = craftTask({ metadata: { k: "v" } });
	const written = await saveTaskSnapshots(db, [
		{ tenant: TENANT, task: { ...a, status: "COMPLETED", version: 3, duration_seconds: 1, completed_at: new Date().toISOString() } },
		{ tenant: TENANT, task: a },
		{ tenant: TENANT, task: b },
	]);
	expect(written).toBeGreaterThan(0);
	expect(await historyRow(a.task_id)).toMatchObject({ status: "COMPLETED", version: 3 });
	expect(await historyRow(b.task_id)).toMatchObject({ status: "PENDING", version: 1 });
	expect(await metadataKeys(b.task_id)).toEqual([{ key: "k", value: "v" }]);
});
