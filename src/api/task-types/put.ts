import { createRoute } from "@hono/zod-openapi";
import { putTaskType } from "../../services/task-types";
import { type App, errorResponses } from "../openapi";
import { PutTaskTypeBody, TaskTypeParam, TaskTypeSchema } from "./schema";

const route = createRoute({
	method: "put",
	path: "/v1/task-types/{type}",
	operationId: "putTaskType",
	tags: ["task types"],
	summary: "Define a task type (admin)",
	description:
		"Defines the tenant's type, or replaces its earlier definition. A field left out comes from the built-in type of the same name, if any, else the defaults (3 retries, 1800 s, backoff 1 s ×2 up to 300 s, no rate limit). Tasks created afterwards get it; tasks already created keep their settings. Other isolates apply a change within 10 s.",
	request: { params: TaskTypeParam, body: { required: true, content: { "application/json": { schema: PutTaskTypeBody } } } },
	responses: {
		200: { description: "The type as it now applies", content: { "application/json": { schema: TaskTypeSchema } } },
		...errorResponses,
	},
});

export function registerPutTaskType(app: App) {
	app.openapi(route, async (c) => {
		const type = await putTaskType(c.env, c.var.caller, c.req.valid("param").type, c.req.valid("json"));
		return c.json(type, 200);
	});
}
