/**
 * KV holds snapshots of final tasks only (COMPLETED, COMPLETED_WITH_ERRORS): nothing can change
 * them again, so a cached copy is never stale however slowly KV propagates. FAILED and CANCELED
 * are terminal but a retry revives them, so they are read from their object like live tasks.
 * Written cache-aside on the first read, so a task nobody reads costs no KV write.
 */
import { isFinal } from "../task/machine";
import type { Task } from "../task/task";
import { count } from "../usage";

const key = (tenant: string, taskId: string) => `${tenant}:task:${taskId}`;

export async function readSnapshot(kv: KVNamespace, tenant: string, taskId: string): Promise<Task | null> {
	count("kv_reads");
	return kv.get<Task>(key(tenant, taskId), "json");
}

export async function cacheIfFinal(kv: KVNamespace, tenant: string, task: Task, ttlSeconds: number): Promise<void> {
	if (!isFinal(task.status)) {
		return;
	}
	count("kv_writes");
	// KV refuses TTLs under 60 s.
	await kv.put(key(tenant, task.task_id), JSON.stringify(task), { expirationTtl: Math.max(60, ttlSeconds) });
}
