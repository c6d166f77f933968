/**
 * Which scope a request needs is decided here, from its method and path, for every
 * authenticated route at once: handlers never check scopes themselves.
 */
export const SCOPES = ["tasks:read", "tasks:write", "admin"] as const;
export type Scope = (typeof SCOPES)[number];

/** Routes under these need the admin scope, whatever the method: keys and the signing secret. */
const ADMIN_PREFIXES = ["/v1/api-keys", "/v1/signing-secret"];

/** POST routes that only read (Mixpeek's list takes its filters as a body). */
const READ_ONLY_POSTS = [/^\/v1\/tasks\/list\/?$/];

export function requiredScope(method: string, path: string): Scope {
	if (ADMIN_PREFIXES.some((prefix) => path === prefix || path.startsWith(`${prefix}/`))) {
		return "admin";
	}
	if (method === "GET" || method === "HEAD" || method === "OPTIONS" || (method === "POST" && READ_ONLY_POSTS.some((p) => p.test(path)))) {
		return "tasks:read";
	}
	return "tasks:write";
}

/** admin implies every scope; tasks:write implies tasks:read (a writer can see what it wrote). */
export function grants(held: readonly Scope[], needed: Scope): boolean {
	if (held.includes("admin") || held.includes(needed)) {
		return true;
	}
	return needed === "tasks:read" && held.includes("tasks:write");
}
