import { createRoute } from "@hono/zod-openapi";
import { setNamespacePaused } from "../../services/namespaces";
import { type App, errorResponses } from "../openapi";
import { NamespaceParam, NamespaceSchema } from "./schema";

const route = createRoute({
	method: "post",
	path: "/v1/namespaces/{ns}/pause",
	operationId: "pauseNamespace",
	tags: ["namespaces"],
	summary: "Pause a namespace (admin)",
	description: "Nothing new starts in the namespace: offers wait (reason `paused`); running tasks carry on.",
	request: { params: NamespaceParam },
	responses: {
		200: { description: "The namespace", content: { "application/json": { schema: NamespaceSchema } } },
		...errorResponses,
	},
});

export function registerPauseNamespace(app: App) {
	app.openapi(route, async (c) => c.json(await setNamespacePaused(c.env, c.var.caller, c.req.valid("param").ns, true), 200));
}
