import { createRoute, z } from "@hono/zod-openapi";
import { EXECUTION_MODES } from "../execute/protocol";
import { listTaskTypes } from "../services/task-types";
import { type App, errorResponses } from "./openapi";
import { PushTargetView } from "./tasks/schema";

export const TaskTypeSchema = z
	.object({
		type: z.string().openapi({ example: "etl" }),
		display: z.string().openapi({ example: "ETL Pipeline" }),
		patterns: z.array(z.string()).openapi({ description: "Exact task names, or prefixes ending in . or _", example: ["etl.", "etl_"] }),
		defaults: z.object({ max_retries: z.number().int(), timeout_seconds: z.number().int() }),
		has_handler: z.boolean().openapi({ description: "A built-in handler runs some task name of this type" }),
		handlers: z.array(z.string()).openapi({ description: "The task names built-in handlers run" }),
		execution: z.enum(EXECUTION_MODES).nullable().openapi({
			description: "The type's execution mode; null: builtin for the names in `handlers`, pull for the rest",
		}),
		target: PushTargetView.nullable().openapi({ description: "Where http tasks of this type are pushed unless they name a target" }),
	})
	.openapi("TaskType");

const route = createRoute({
	method: "get",
	path: "/v1/task-types",
	operationId: "listTaskTypes",
	tags: ["tasks"],
	summary: "Task types",
	description: "A task's type comes from its name: the exact name first, then the longest matching prefix, else `other`.",
	responses: {
		200: { description: "Every type", content: { "application/json": { schema: z.object({ task_types: z.array(TaskTypeSchema) }) } } },
		...errorResponses,
	},
});

export function registerTaskTypes(app: App) {
	app.openapi(route, (c) => c.json({ task_types: listTaskTypes() }, 200));
}
