import { createRoute } from "@hono/zod-openapi";
import { listNamespaces } from "../../services/namespaces";
import { type App, errorResponses } from "../openapi";
import { NamespaceListQuery, NamespaceListSchema } from "./schema";

const route = createRoute({
	method: "get",
	path: "/v1/namespaces",
	operationId: "listNamespaces",
	tags: ["namespaces"],
	summary: "List namespaces",
	description:
		"The namespaces the tenant has used or configured, in name order, each with its ready and running counts, oldest wait and limits.",
	request: { query: NamespaceListQuery },
	responses: {
		200: { description: "A page of namespaces", content: { "application/json": { schema: NamespaceListSchema } } },
		...errorResponses,
	},
});

export function registerListNamespaces(app: App) {
	app.openapi(route, async (c) => {
		const { limit, after } = c.req.valid("query");
		return c.json(await listNamespaces(c.env, c.var.caller, limit ?? 50, after), 200);
	});
}
