/**
 * What the API accepts in the request headers it reads, checked once for every route before
 * anything else looks at them.
 */
import { createMiddleware } from "hono/factory";
import { ApiError } from "../errors";
import type { AppEnv } from "./openapi";

/**
 * Every header whose value the API interprets. A route that reads another must add it here
 * (test/layering.test.ts checks).
 */
export const HEADERS_READ = [
	"Authorization",
	"Content-Encoding",
	"Content-Type",
	"Idempotency-Key",
	"If-None-Match",
	"Last-Event-ID",
	"X-Namespace",
] as const;

/**
 * Header values are bytes, and clients disagree on how to send text: Node's fetch and Python's
 * requests send `café` as Latin-1, which the runtime decodes as `caf\uFFFD`, so `café-S` and
 * `cafè-S` would arrive as the same Idempotency-Key. Only printable ASCII survives every client
 * unchanged, so anything else is refused rather than compared after a lossy decoding.
 */
const PRINTABLE_ASCII = /^[\x20-\x7E]*$/;

/** The body's content codings we can read: none. */
const IDENTITY = new Set(["", "identity"]);

export const checkRequestHeaders = createMiddleware<AppEnv>(async (c, next) => {
	const errors = HEADERS_READ.flatMap((name) => {
		const value = c.req.header(name);
		return value === undefined || PRINTABLE_ASCII.test(value)
			? []
			: [{ path: name, message: "printable ASCII only (0x20-0x7E): other characters do not reach the server unchanged from every client" }];
	});
	if (errors.length > 0) {
		throw new ApiError("VALIDATION_FAILED", "a request header has characters outside printable ASCII", { errors });
	}
	const coding = (c.req.header("content-encoding") ?? "").trim().toLowerCase();
	if (!IDENTITY.has(coding)) {
		// RFC 9110 § 15.5.16: an unsupported content coding is a 415, with Accept-Encoding saying what is.
		throw new ApiError(
			"UNSUPPORTED_MEDIA_TYPE",
			`request bodies encoded as ${JSON.stringify(coding)} are not accepted: send them uncompressed`,
			{
				headers: { "Accept-Encoding": "identity" },
			},
		);
	}
	await next();
});
