/**
 * What the NamespaceObject shows of itself: its status (`GET /v1/namespaces/{name}`) and why a
 * task waits for its turn (`GET /v1/tasks/{id}` of a PENDING task), read from its storage and
 * buckets. Nothing here writes: the object stays the only writer of its storage.
 */
import type { TypeRegistry } from "../execute/task-types";
import { type NamespaceLimits, rateLimitOf, type TypeBuckets } from "./limits";
import type { ClaimableTask, NamespaceConfig, NamespaceStorage, ReadyTask } from "./namespace-storage";
import type { Waiting } from "./protocol";

export interface NamespaceStatus {
	namespace: string;
	ready: number;
	running: number;
	/** Seconds the oldest ready task has waited; 0 when none waits. */
	oldest_wait_seconds: number;
	max_concurrency: number;
	rate_limits: NamespaceLimits["rate_limits"];
	paused: boolean;
}

/** `namespace`'s status as of `now` (epoch ms) under `config` (the defaults when it was never seen). */
export function statusOf(
	storage: NamespaceStorage,
	config: Pick<NamespaceConfig, "max_concurrency" | "rate_limits" | "paused">,
	namespace: string,
	now: number,
): NamespaceStatus {
	const oldest = storage.oldestOffer();
	return {
		namespace,
		ready: storage.readyCount() + storage.claimableCount(),
		running: storage.running(),
		oldest_wait_seconds: oldest === null ? 0 : Math.max(0, Math.round((now - oldest) / 100) / 10),
		max_concurrency: config.max_concurrency,
		rate_limits: config.rate_limits,
		paused: config.paused,
	};
}

/** What the answer is read from: the object's storage, its token buckets and the tenant's task types. */
export interface WaitingSources {
	storage: NamespaceStorage;
	buckets: TypeBuckets;
	registry: TypeRegistry;
}

/**
 * Why a ready task (or a claimable one: then `worker` once nothing else holds it) waits, as of
 * `now` (epoch ms). `withPosition`: the place in line is a count of the tasks ahead (rows read in
 * proportion to the line), so only a reader asking why gets it; an offer's answer, which the task
 * does not keep, goes without (under load that count was most of the dispatcher's work).
 */
export function waitingOf(
	{ storage, buckets, registry }: WaitingSources,
	task: ReadyTask | ClaimableTask,
	config: NamespaceConfig,
	now: number,
	withPosition = true,
): Waiting {
	const claimable = "task_name" in task;
	const place = withPosition ? { position: claimable ? storage.claimPosition(task) : storage.position(task) } : {};
	if (config.paused) {
		return { reason: "paused", since: iso(Math.max(task.offered_at, config.paused_since ?? 0)), ...place };
	}
	if (storage.running() >= config.max_concurrency) {
		return { reason: "concurrency", since: iso(task.offered_at), ...place };
	}
	if (!buckets.has(rateLimitOf(config, task.task_type, registry), task.task_type, now)) {
		return { reason: "rate_limit", since: iso(task.offered_at), ...place };
	}
	return { reason: claimable ? "worker" : "dispatching", since: iso(task.offered_at), ...place };
}

/** Epoch ms as ISO 8601. */
export const iso = (ms: number) => new Date(ms).toISOString();
