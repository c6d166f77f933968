import { createRoute } from "@hono/zod-openapi";
import { setNamespacePaused } from "../../services/namespaces";
import { type App, errorResponses } from "../openapi";
import { NamespaceParam, NamespaceSchema } from "./schema";

const route = createRoute({
	method: "post",
	path: "/v1/namespaces/{ns}/resume",
	operationId: "resumeNamespace",
	tags: ["namespaces"],
	summary: "Resume a namespace (admin)",
	description: "Grants the waiting tasks the limits allow, highest priority first.",
	request: { params: NamespaceParam },
	responses: {
		200: { description: "The namespace", content: { "application/json": { schema: NamespaceSchema } } },
		...errorResponses,
	},
});

export function registerResumeNamespace(app: App) {
	app.openapi(route, async (c) => c.json(await setNamespacePaused(c.env, c.var.caller, c.req.valid("param").ns, false), 200));
}
