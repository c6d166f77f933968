import { z } from "@hono/zod-openapi";

export {
	CancelBody,
	CreateTaskBody,
	MAX_METADATA_KEYS,
	NamespaceName,
	PushTargetBody,
	PushTargetView,
	ReportReceiptSchema,
	RetryBody,
	TaskEventSchema,
	TaskSchema,
	WaitingSchema,
} from "../../contract/tasks";

export const TaskIdParam = z.object({
	task_id: z.string().openapi({ param: { name: "task_id", in: "path" }, example: "01936f6e-8b9a-7c3d-9e2f-0a1b2c3d4e5f" }),
});
