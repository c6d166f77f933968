/**
 * Which scope a request needs is decided here, from its method and path, for every
 * authenticated route at once: handlers never check scopes themselves.
 */
/**
 * `tasks:work` is a pull worker's key: it may claim tasks (`POST /v1/workers/claim`) and, like
 * anyone holding an attempt token, report on what it claimed — but not create, cancel or read
 * tasks. Reports need no key at all: the attempt token authorises them.
 */
export const SCOPES = ["tasks:read", "tasks:write", "tasks:work", "admin"] as const;
export type Scope = (typeof SCOPES)[number];

/** Routes under these need the admin scope, whatever the method: keys, the signing secret and webhook subscriptions (they hold secrets). */
const ADMIN_PREFIXES = ["/v1/api-keys", "/v1/signing-secret", "/v1/webhooks"];

/** POST routes that only read (Mixpeek's list takes its filters as a body). */
const READ_ONLY_POSTS = [/^\/v1\/tasks\/list\/?$/];
/** POST routes a worker's key may call. */
const WORK_POSTS = [/^\/v1\/workers\/claim\/?$/];

export function requiredScope(method: string, path: string): Scope {
	if (ADMIN_PREFIXES.some((prefix) => path === prefix || path.startsWith(`${prefix}/`))) {
		return "admin";
	}
	// A namespace's limits and pause, and a task type, affect every task they cover: reading them is for any reader.
	const configures = path.startsWith("/v1/namespaces/") || path.startsWith("/v1/task-types/");
	if (configures && method !== "GET" && method !== "HEAD" && method !== "OPTIONS") {
		return "admin";
	}
	if (method === "POST" && WORK_POSTS.some((p) => p.test(path))) {
		return "tasks:work";
	}
	if (method === "GET" || method === "HEAD" || method === "OPTIONS" || (method === "POST" && READ_ONLY_POSTS.some((p) => p.test(path)))) {
		return "tasks:read";
	}
	return "tasks:write";
}

/**
 * admin implies every scope; tasks:write implies tasks:read (a writer can see what it wrote) and
 * tasks:work (a writer may run its own tasks); tasks:work implies nothing else.
 */
export function grants(held: readonly Scope[], needed: Scope): boolean {
	if (held.includes("admin") || held.includes(needed)) {
		return true;
	}
	return (needed === "tasks:read" || needed === "tasks:work") && held.includes("tasks:write");
}
