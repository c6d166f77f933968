/**
 * The namespaces service: a namespace's live counts and limits come from its NamespaceObject
 * (the authority on both); the list of a tenant's namespaces comes from D1, where each object
 * records its namespace the first time it serves it and each configuration does the same.
 */
import { namespaceStub } from "../dispatch";
import { DEFAULT_LIMITS, type NamespaceLimits } from "../dispatch/limits";
import type { NamespaceStatus } from "../dispatch/namespace-object";
import { historyDb } from "../history/db";
import { findNamespaces } from "../history/namespaces";
import { callObject } from "../platform/object-calls";
import type { Caller } from "./tasks";

export async function listNamespaces(
	env: Env,
	caller: Caller,
	limit: number,
	after?: string,
): Promise<{ namespaces: NamespaceStatus[]; next_after: string | null }> {
	const names = await findNamespaces(historyDb(env.DB), caller.tenant, limit + 1, after);
	const page = names.slice(0, limit);
	const namespaces = await Promise.all(page.map((name) => getNamespace(env, caller, name)));
	return { namespaces, next_after: names.length > limit ? (page.at(-1) ?? null) : null };
}

export function getNamespace(env: Env, caller: Caller, namespace: string): Promise<NamespaceStatus> {
	return namespaceStatus(env, caller.tenant, namespace);
}

/** A namespace's live counts and limits, from its NamespaceObject (a read: retried on a retryable error). */
export function namespaceStatus(env: Env, tenant: string, namespace: string): Promise<NamespaceStatus> {
	return callObject(() => namespaceStub(env, tenant, namespace).status(tenant, namespace));
}

/** PUT: the limits given replace the old ones; a field left out returns to its default. */
export function configureNamespace(
	env: Env,
	caller: Caller,
	namespace: string,
	limits: Partial<NamespaceLimits>,
): Promise<NamespaceStatus> {
	const full: NamespaceLimits = {
		max_concurrency: limits.max_concurrency ?? DEFAULT_LIMITS.max_concurrency,
		rate_limits: limits.rate_limits ?? DEFAULT_LIMITS.rate_limits,
		paused: limits.paused ?? DEFAULT_LIMITS.paused,
	};
	return namespaceStub(env, caller.tenant, namespace).configure(caller.tenant, namespace, full);
}

export function setNamespacePaused(env: Env, caller: Caller, namespace: string, paused: boolean): Promise<NamespaceStatus> {
	return namespaceStub(env, caller.tenant, namespace).configure(caller.tenant, namespace, { paused });
}
