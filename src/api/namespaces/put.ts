import { createRoute } from "@hono/zod-openapi";
import { configureNamespace } from "../../services/namespaces";
import { type App, errorResponses } from "../openapi";
import { NamespaceParam, NamespaceSchema, PutNamespaceBody } from "./schema";

const route = createRoute({
	method: "put",
	path: "/v1/namespaces/{ns}",
	operationId: "putNamespace",
	tags: ["namespaces"],
	summary: "Set a namespace's limits (admin)",
	description:
		"Replaces the limits: a field left out returns to its default (max_concurrency 100, no rate limits, not paused). Raising a limit grants waiting tasks at once.",
	request: { params: NamespaceParam, body: { required: true, content: { "application/json": { schema: PutNamespaceBody } } } },
	responses: {
		200: { description: "The namespace with its new limits", content: { "application/json": { schema: NamespaceSchema } } },
		...errorResponses,
	},
});

export function registerPutNamespace(app: App) {
	app.openapi(route, async (c) => {
		const namespace = await configureNamespace(c.env, c.var.caller, c.req.valid("param").ns, c.req.valid("json"));
		return c.json(namespace, 200);
	});
}
