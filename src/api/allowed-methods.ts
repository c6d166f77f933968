/**
 * Hono answers an unmatched method with its not-found handler; HTTP wants 405 with `Allow`
 * when the path exists under other methods. This reads the app's own route table to tell.
 */
const patternCache = new Map<string, RegExp>();

function toRegExp(path: string): RegExp {
	let pattern = patternCache.get(path);
	if (!pattern) {
		const source = path
			.split("/")
			.map((part) => (part.startsWith(":") ? "[^/]+" : part === "*" ? ".*" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
			.join("/");
		pattern = new RegExp(`^${source}/?$`);
		patternCache.set(path, pattern);
	}
	return pattern;
}

export function allowedMethods(routes: readonly { method: string; path: string }[], pathname: string): string[] {
	const methods = new Set<string>();
	for (const route of routes) {
		if (route.method !== "ALL" && !route.path.includes("*") && toRegExp(route.path).test(pathname)) {
			methods.add(route.method);
		}
	}
	if (methods.has("GET")) {
		methods.add("HEAD");
	}
	return [...methods].sort();
}
