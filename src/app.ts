/** Builds the Hono app: middleware, routes, and the one place errors become problem+json. */
import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { requestId } from "hono/request-id";
import { allowedMethods } from "./api/allowed-methods";
import { registerApiKeyRoutes } from "./api/api-keys";
import { useAuthentication } from "./api/auth";
import { registerCompatRoutes } from "./api/compat";
import { registerDocs } from "./api/docs";
import { registerHealth } from "./api/health";
import { limitJsonDepth } from "./api/json-depth";
import { registerMessageRoutes } from "./api/messages";
import { registerMetrics } from "./api/metrics";
import { registerNamespaceRoutes } from "./api/namespaces";
import type { AppEnv } from "./api/openapi";
import { checkRequestHeaders } from "./api/request-headers";
import { useBrowserProtections } from "./api/security";
import { registerSigningSecretRoutes } from "./api/signing-secret";
import { registerTaskTypes } from "./api/task-types";
import { registerTaskRoutes } from "./api/tasks";
import { registerUsage } from "./api/usage";
import { registerWebhookRoutes } from "./api/webhooks";
import { registerWorkerRoutes } from "./api/workers";
import { ApiError, type ErrorCode, fieldErrorsOf, problemOf } from "./errors";
import { isPlatformUnavailable } from "./platform/object-calls";
import { registerDashboard } from "./ui";

export const MAX_BODY_BYTES = 256 * 1024;

function render(c: Context<AppEnv>, error: ApiError): Response {
	const body = problemOf(error, new URL(c.req.url).pathname, c.var.requestId ?? "");
	return c.json(body, error.status, { "Content-Type": "application/problem+json", ...error.options.headers });
}

function fromHttpException(error: HTTPException): ApiError {
	const codes: Record<number, ErrorCode> = {
		400: "BAD_REQUEST",
		401: "UNAUTHORIZED",
		404: "NOT_FOUND",
		413: "PAYLOAD_TOO_LARGE",
		415: "UNSUPPORTED_MEDIA_TYPE",
	};
	const code = codes[error.status] ?? "BAD_REQUEST";
	const detail = code === "UNSUPPORTED_MEDIA_TYPE" ? "send the body as application/json" : error.message || "malformed request";
	return new ApiError(code, detail);
}

export function createApp(): OpenAPIHono<AppEnv> {
	const app = new OpenAPIHono<AppEnv>({
		defaultHook: (result) => {
			if (!result.success) {
				const where = result.target === "json" ? "request body" : result.target;
				throw new ApiError("VALIDATION_FAILED", `the ${where} has invalid fields`, { errors: fieldErrorsOf(result.error.issues) });
			}
		},
	});
	app.use(requestId());
	useBrowserProtections(app);
	app.use(
		bodyLimit({
			maxSize: MAX_BODY_BYTES,
			onError: () => {
				throw new ApiError("PAYLOAD_TOO_LARGE", `request bodies are limited to ${MAX_BODY_BYTES / 1024} KiB`);
			},
		}),
	);
	app.use(checkRequestHeaders);
	useAuthentication(app);
	app.use(limitJsonDepth);

	registerHealth(app);
	registerTaskRoutes(app);
	registerMessageRoutes(app);
	registerTaskTypes(app);
	registerNamespaceRoutes(app);
	registerWorkerRoutes(app);
	registerMetrics(app);
	registerCompatRoutes(app);
	registerApiKeyRoutes(app);
	registerSigningSecretRoutes(app);
	registerWebhookRoutes(app);
	registerDocs(app);
	registerUsage(app);
	registerDashboard(app);

	app.notFound((c) => {
		const allow = allowedMethods(app.routes, new URL(c.req.url).pathname);
		if (allow.length > 0) {
			return render(c, new ApiError("METHOD_NOT_ALLOWED", `${c.req.method} is not allowed here`, { headers: { Allow: allow.join(", ") } }));
		}
		return render(c, new ApiError("NOT_FOUND", "no such route"));
	});
	app.onError((error, c) => {
		if (error instanceof ApiError) {
			return render(c, error);
		}
		if (error instanceof HTTPException) {
			return render(c, fromHttpException(error));
		}
		if (isPlatformUnavailable(error)) {
			console.warn("taskplane: a Durable Object was unavailable", c.var.requestId, error);
			return render(
				c,
				new ApiError("UNAVAILABLE", "a part of the service is busy or restarting; try again shortly", { headers: { "Retry-After": "1" } }),
			);
		}
		console.error("taskplane: unhandled error", c.var.requestId, error);
		return render(c, new ApiError("INTERNAL", "something went wrong on our side; quote the request_id when reporting it"));
	});
	return app;
}
