/**
 * Where a task's turn and its history go: the dispatcher of its tenant's namespace (ARCHITECTURE.md §
 * Dispatch), the NamespaceObject named `tenant:namespace`. The task side only ever sees the
 * `Dispatcher` interface.
 */
import type { NamespaceObject } from "./namespace-object";
import type { Dispatcher } from "./protocol";

export type { Dispatcher, Grantee, HistorySnapshot, Offer, OfferAnswer, Release } from "./protocol";

/** Tenancy by construction: the object's name carries its tenant. */
export function namespaceStub(env: Env, tenant: string, namespace: string): DurableObjectStub<NamespaceObject> {
	return env.NAMESPACES.get(env.NAMESPACES.idFromName(`${tenant}:${namespace}`));
}

export function dispatcherFor(env: Env, tenant: string, namespace: string): Dispatcher {
	return namespaceStub(env, tenant, namespace);
}
