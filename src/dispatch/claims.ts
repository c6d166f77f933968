/**
 * Pull claims (ARCHITECTURE.md § Execution): which claimable tasks one claim takes. Selection is
 * synchronous — each pick takes its slot in storage before any await — so claims served at the
 * same time never take the same task or run past `max_concurrency`.
 */
import type { AttemptLease, LeaseAnswer } from "../execute/protocol";
import type { TypeRegistry } from "../execute/task-types";
import { taskStub } from "../task/stub";
import { rateLimitOf, type TypeBuckets } from "./limits";
import type { ClaimableTask, ClaimFilter, NamespaceConfig, NamespaceStorage } from "./namespace-storage";

/** What a worker asks the NamespaceObject for. */
export interface ClaimRequest extends ClaimFilter {
	tenant: string;
	namespace: string;
	/** Who claims: shown in `GET /v1/workers` and in each task's events. */
	worker_id: string;
	/** Names this claim, so its caller can abandon it (`abandonClaim`) when the worker disconnects. */
	claim_id: string;
	/** At most this many tasks (1–100). */
	max: number;
	/** Each claimed attempt's lease (ms). */
	lease_ms: number;
	/** How long to hold the claim open when nothing is claimable (ms, ≤ 30 000). */
	wait_ms: number;
}

export interface ClaimAnswer {
	tasks: AttemptLease[];
}

export interface Picked {
	tasks: ClaimableTask[];
	/** Epoch ms a type skipped for its rate limit has a token again; null when none was skipped. */
	next_token_at: number | null;
}

/**
 * Takes up to `max` matching claimable tasks in order (priority, then age), each into a slot,
 * while `max_concurrency` allows; a type whose bucket is empty is skipped, not waited behind.
 * Nothing is taken while the namespace is paused.
 */
export function pickClaimable(
	storage: NamespaceStorage,
	buckets: TypeBuckets,
	config: NamespaceConfig,
	request: Pick<ClaimRequest, "max" | "task_names" | "task_types">,
	now: number,
	registry: TypeRegistry,
): Picked {
	const picked: Picked = { tasks: [], next_token_at: null };
	if (config.paused) {
		return picked;
	}
	const empty = new Set<string>();
	while (picked.tasks.length < request.max && storage.running() < config.max_concurrency) {
		const task = storage.nextClaimable(request, empty);
		if (!task) {
			break;
		}
		const wait = buckets.take(rateLimitOf(config, task.task_type, registry), task.task_type, now);
		if (wait > 0) {
			empty.add(task.task_type);
			picked.next_token_at = Math.min(picked.next_token_at ?? Number.POSITIVE_INFINITY, now + wait);
			continue;
		}
		storage.removeClaimable(task.task_id, task.attempt);
		storage.takeSlot({ task_id: task.task_id, attempt: task.attempt, task_type: task.task_type, granted_at: now });
		picked.tasks.push(task);
	}
	return picked;
}

/**
 * Asks each picked task's object to take the claim (`claimAttempt`), all at once. Each answer is
 * the task's lease or refusal, or null when the task could not be reached: whether it took the
 * claim is then unknown. Writes nothing; the NamespaceObject frees or requeues by the answers.
 */
export function claimEach(
	env: Env,
	tenant: string,
	request: Pick<ClaimRequest, "lease_ms" | "worker_id">,
	tasks: ClaimableTask[],
): Promise<(LeaseAnswer | null)[]> {
	const runner = { lease_ms: request.lease_ms, runner: request.worker_id };
	return Promise.all(
		tasks.map((task) =>
			taskStub(env, tenant, task.task_id)
				.claimAttempt(task.attempt, runner)
				.catch((error: unknown) => {
					console.warn("taskplane: claim could not reach its task; it waits again", task.task_id, error);
					return null;
				}),
		),
	);
}
