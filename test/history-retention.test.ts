/** The cron trigger deletes history rows 30 days after completion, never a live or recent one. */
import { createScheduledController } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { expect, it } from "vitest";
import worker from "../src/index";
import { listTasks } from "../src/services/history";
import { ago, craftTask, seed } from "./helpers/history-seed";

const DAY = 86_400_000;

async function runCron() {
	await worker.scheduled(createScheduledController({ cron: "17 * * * *", scheduledTime: Date.now() }), env);
}

const metadataRows = async (taskId: string) =>
	(await env.DB.prepare("SELECT count(*) AS n FROM task_metadata WHERE task_id = ?").bind(taskId).first<{ n: number }>())?.n;

it("deletes finished tasks past HISTORY_RETENTION_DAYS with their metadata rows, in batches", async () => {
	expect(env.HISTORY_RETENTION_DAYS).toBe("30");
	const expired = await seed("dev", [
		craftTask({ status: "COMPLETED", created_at: ago(40 * DAY), metadata: { company_id: "4" } }),
		craftTask({ status: "FAILED", created_at: ago(31 * DAY) }),
		craftTask({ status: "CANCELED", created_at: ago(90 * DAY), duration_seconds: null }),
	]);
	// More than one batch (500) of expired rows, so the run has to loop.
	const bulk = await seed(
		"bulk",
		Array.from({ length: 520 }, () => craftTask({ status: "COMPLETED", created_at: ago(35 * DAY) })),
	);
	const kept = await seed("dev", [
		// Live for 60 days: no completed_at, never deleted.
		craftTask({ status: "PROCESSING", created_at: ago(60 * DAY) }),
		craftTask({ status: "SCHEDULED", created_at: ago(45 * DAY) }),
		// Finished 5 days ago.
		craftTask({ status: "COMPLETED", created_at: ago(5 * DAY), metadata: { company_id: "4" } }),
		// Created 40 days ago but finished 10 days ago: retention counts from completion.
		craftTask({ status: "COMPLETED", created_at: ago(40 * DAY), duration_seconds: 30 * 86_400 }),
	]);
	expect(await metadataRows(expired[0]?.task_id ?? "")).toBe(1);

	await runCron();

	const left = await listTasks(env, "dev", { limit: 100 });
	expect(left.tasks.map((t) => t.task_id).sort()).toEqual(kept.map((t) => t.task_id).sort());
	expect((await listTasks(env, "bulk", { limit: 10 })).total).toBe(0);
	expect(bulk).toHaveLength(520);
	expect(await metadataRows(expired[0]?.task_id ?? "")).toBe(0);
	expect(await metadataRows(kept[2]?.task_id ?? "")).toBe(1);
	const gone = await exports.default.fetch(`http://x/v1/tasks/${expired[1]?.task_id}`);
	expect(gone.status).toBe(404);

	// A second run finds nothing more to delete.
	await runCron();
	expect((await listTasks(env, "dev", { limit: 100 })).total).toBe(kept.length);
}, 30_000);
