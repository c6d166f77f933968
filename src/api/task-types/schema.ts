import { z } from "@hono/zod-openapi";
import { TaskTypeName } from "../../contract/task-types";

export { PutTaskTypeBody, TaskTypeListSchema, TaskTypeSchema } from "../../contract/task-types";

export const TaskTypeParam = z.object({
	type: TaskTypeName.openapi({ param: { name: "type", in: "path" }, example: "reports" }),
});
