import { createRoute } from "@hono/zod-openapi";
import { getNamespace } from "../../services/namespaces";
import { type App, errorResponses } from "../openapi";
import { NamespaceParam, NamespaceSchema } from "./schema";

const route = createRoute({
	method: "get",
	path: "/v1/namespaces/{ns}",
	operationId: "getNamespace",
	tags: ["namespaces"],
	summary: "Get a namespace",
	description: "Any name answers: a namespace nobody used yet has the default limits and nothing waiting.",
	request: { params: NamespaceParam },
	responses: {
		200: { description: "The namespace", content: { "application/json": { schema: NamespaceSchema } } },
		...errorResponses,
	},
});

export function registerGetNamespace(app: App) {
	app.openapi(route, async (c) => c.json(await getNamespace(c.env, c.var.caller, c.req.valid("param").ns), 200));
}
