/**
 * Where a task's turn and its history go: the dispatcher of its tenant's namespace (DESIGN §
 * Dispatch). The task side only ever sees the `Dispatcher` interface, so swapping the interim
 * immediate dispatcher for the NamespaceObject changes this file and nothing in src/task/.
 */
import { ImmediateDispatcher } from "./immediate";
import type { Dispatcher } from "./protocol";

export type { Dispatcher, Grantee, HistorySnapshot, Offer, OfferAnswer, Release } from "./protocol";

export function dispatcherFor(env: Env, _tenant: string, _namespace: string): Dispatcher {
	return new ImmediateDispatcher(env);
}
