/**
 * The API's own route table, for the tests that must cover every route (isolation walk, fuzz).
 * Routes added anywhere in the app are picked up here; the few that serve no tenant data are
 * listed by name, so a new route is walked by default, never skipped silently.
 */
import { createApp } from "../src/app";

/** Routes that hold no tenant's data: liveness, the API description, local cost counters, the dashboard's files. */
export const UNTENANTED_ROUTES = new Set(["/health", "/docs", "/openapi.json", "/__usage", "/", "/ui", "/ui/*", "/vendor/*"]);

export interface RouteEntry {
	method: string;
	path: string;
	params: string[];
}

export function tenantRoutes(): RouteEntry[] {
	const seen = new Map<string, RouteEntry>();
	for (const route of createApp().routes) {
		if (route.method === "ALL" || UNTENANTED_ROUTES.has(route.path)) {
			continue;
		}
		const key = `${route.method} ${route.path}`;
		if (!seen.has(key)) {
			const params = [...route.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1] ?? "");
			seen.set(key, { method: route.method, path: route.path, params });
		}
	}
	return [...seen.values()];
}

/** Fills a route's path parameters; a parameter nobody taught us to fill fails the caller loudly. */
export function fillPath(route: RouteEntry, values: (param: string, route: RouteEntry) => string): string {
	return route.path.replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?/g, (_match, name: string) => encodeURIComponent(values(name, route)));
}

/** Reads a body without hanging on an event stream: a stream is sampled briefly, then dropped. */
export async function readBody(res: Response): Promise<string> {
	if (!res.headers.get("content-type")?.includes("text/event-stream") || !res.body) {
		return res.text();
	}
	const reader = res.body.getReader();
	const decoder = new TextDecoder();
	let text = "";
	const deadline = Date.now() + 300;
	while (Date.now() < deadline) {
		const chunk = await Promise.race([
			reader.read(),
			new Promise<null>((resolve) => setTimeout(() => resolve(null), deadline - Date.now())),
		]);
		if (chunk === null || chunk.done) {
			break;
		}
		text += decoder.decode(chunk.value, { stream: true });
	}
	await reader.cancel();
	return text;
}
