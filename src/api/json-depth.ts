/**
 * Bounds how deeply a JSON body nests, before anything parses or validates it: validators walk
 * values recursively, so a body of 100 000 `[` would otherwise end as a stack overflow (a 500).
 * The scan is linear and allocation-free; the parsed body is cached by Hono for the route.
 */
import { createMiddleware } from "hono/factory";
import { ApiError } from "../errors";
import type { AppEnv } from "./openapi";

export const MAX_JSON_DEPTH = 32;

/** The deepest nesting of objects and arrays in a JSON text (strings skipped). */
export function jsonDepth(text: string, stopAbove = Number.POSITIVE_INFINITY): number {
	let depth = 0;
	let deepest = 0;
	let inString = false;
	for (let i = 0; i < text.length; i++) {
		const ch = text.charCodeAt(i);
		if (inString) {
			if (ch === 92 /* \ */) {
				i++;
			} else if (ch === 34 /* " */) {
				inString = false;
			}
		} else if (ch === 34) {
			inString = true;
		} else if (ch === 123 /* { */ || ch === 91 /* [ */) {
			depth++;
			if (depth > deepest) {
				deepest = depth;
				if (deepest > stopAbove) {
					return deepest;
				}
			}
		} else if (ch === 125 /* } */ || ch === 93 /* ] */) {
			depth--;
		}
	}
	return deepest;
}

export const limitJsonDepth = createMiddleware<AppEnv>(async (c, next) => {
	const type = c.req.header("content-type") ?? "";
	if (c.req.raw.body !== null && /json/i.test(type)) {
		if (jsonDepth(await c.req.text(), MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
			const message = `JSON may nest at most ${MAX_JSON_DEPTH} levels of objects and arrays`;
			throw new ApiError("VALIDATION_FAILED", "the request body nests too deeply", { errors: [{ path: "(root)", message }] });
		}
	}
	await next();
});
