/**
 * KV holds snapshots of terminal tasks only: a terminal task never changes again, so a cached
 * copy can never be stale, and a live task is always read from its object. Written cache-aside
 * on the first read, so a task nobody reads costs no KV write.
 */
import { isTerminal, type Task } from "../task/task";
import { count } from "../usage";

const key = (tenant: string, taskId: string) => `${tenant}:task:${taskId}`;

export async function readSnapshot(kv: KVNamespace, tenant: string, taskId: string): Promise<Task | null> {
	count("kv_reads");
	return kv.get<Task>(key(tenant, taskId), "json");
}

export async function cacheIfTerminal(kv: KVNamespace, tenant: string, task: Task, ttlSeconds: number): Promise<void> {
	if (!isTerminal(task.status)) {
		return;
	}
	count("kv_writes");
	// KV refuses TTLs under 60 s.
	await kv.put(key(tenant, task.task_id), JSON.stringify(task), { expirationTtl: Math.max(60, ttlSeconds) });
}

/**
 * A manual retry is the one way a terminal task lives again: its cached snapshot must go, or
 * reads would answer the old end for up to the TTL. KV deletes reach other locations within
 * about a minute (eventual consistency), so a reader elsewhere may still see the old end briefly.
 */
export async function forgetSnapshot(kv: KVNamespace, tenant: string, taskId: string): Promise<void> {
	count("kv_writes");
	await kv.delete(key(tenant, taskId));
}
