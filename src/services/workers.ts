/**
 * The pull workers service: a claim goes to the NamespaceObject of its namespace (it owns the
 * ready set); the list of workers asks one namespace, or each namespace the tenant has used.
 */
import { namespaceStub } from "../dispatch";
import type { ClaimAnswer } from "../dispatch/claims";
import type { WorkerInfo } from "../dispatch/workers";
import { DEFAULT_LEASE_SECONDS } from "../execute/protocol";
import { historyDb } from "../history/db";
import { findNamespaces } from "../history/namespaces";
import type { Caller } from "./tasks";

export interface ClaimInput {
	namespace?: string;
	worker_id?: string;
	task_names?: string[];
	task_types?: string[];
	max?: number;
	lease_seconds?: number;
	wait_seconds?: number;
}

/** `GET /v1/workers` without a namespace asks at most this many of the tenant's namespaces. */
export const MAX_NAMESPACES_LISTED = 100;

/**
 * Claims up to `max` (default 1) ready pull tasks, holding the request up to `wait_seconds`
 * (default 0) when none is ready. `disconnected` aborts when the worker goes away (the
 * `enable_request_signal` flag): a held claim is then abandoned, so it takes nothing.
 */
export async function claimTasks(env: Env, caller: Caller, input: ClaimInput, disconnected?: AbortSignal): Promise<ClaimAnswer> {
	const namespace = input.namespace ?? "default";
	const stub = namespaceStub(env, caller.tenant, namespace);
	const claimId = crypto.randomUUID();
	const abandon = () => void stub.abandonClaim(claimId).catch(() => undefined);
	disconnected?.addEventListener("abort", abandon, { once: true });
	try {
		return await stub.claim({
			tenant: caller.tenant,
			namespace,
			claim_id: claimId,
			worker_id: input.worker_id ?? caller.actor ?? "anonymous",
			task_names: input.task_names,
			task_types: input.task_types,
			max: input.max ?? 1,
			lease_ms: (input.lease_seconds ?? DEFAULT_LEASE_SECONDS) * 1000,
			wait_ms: (input.wait_seconds ?? 0) * 1000,
		});
	} finally {
		disconnected?.removeEventListener("abort", abandon);
	}
}

/** Recent claimers of one namespace, or of every namespace the tenant has used; most recently seen first. */
export async function listWorkers(env: Env, caller: Caller, namespace?: string): Promise<WorkerInfo[]> {
	const names = namespace ? [namespace] : await findNamespaces(historyDb(env.DB), caller.tenant, MAX_NAMESPACES_LISTED);
	const lists = await Promise.all(names.map((name) => namespaceStub(env, caller.tenant, name).listWorkers(name)));
	return lists.flat().sort((a, b) => b.last_seen_at.localeCompare(a.last_seen_at) || a.worker_id.localeCompare(b.worker_id));
}
