/**
 * `GET /tasks/`: the demo lists what Celery's `inspect()` sees — tasks a worker is running
 * (active), holding for an ETA (scheduled) or has prefetched (reserved) — as
 * `{tasks: [{task_id, status}], total}`. Ours are the live tasks from history: PROCESSING is
 * ACTIVE, SCHEDULED is SCHEDULED, PENDING and QUEUED are RESERVED; finished tasks never
 * appear, as in the demo. Oldest first, at most 100.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { listTasks } from "../../../services/history";
import { LIVE_STATUSES } from "../../../task/task";
import { type App, errorResponses } from "../../openapi";
import { registerWithTwin, TAGS } from "../shared";
import { inspectGroupOf } from "../vocabulary";

const LiveTasks = z
	.object({
		tasks: z.array(z.object({ task_id: z.string(), status: z.enum(["ACTIVE", "SCHEDULED", "RESERVED"]), name: z.string() })),
		total: z.number().int(),
	})
	.openapi("DemoLiveTasks");

const route = createRoute({
	method: "get",
	path: "/tasks/",
	operationId: "celeryListLiveTasks",
	tags: [TAGS.fastapi],
	summary: "Live tasks as ACTIVE, SCHEDULED or RESERVED",
	description:
		"What Celery's inspect() would show: PROCESSING is ACTIVE, SCHEDULED (waiting for run_at or a retry) is SCHEDULED, PENDING and QUEUED are RESERVED. Finished tasks never appear. Oldest first, at most 100; `total` counts every live task.",
	responses: { 200: { description: "Live tasks", content: { "application/json": { schema: LiveTasks } } }, ...errorResponses },
});

export function registerDemoLive(app: App) {
	registerWithTwin(app, route, async (c) => {
		const page = await listTasks(c.env, c.var.caller.tenant, { status: [...LIVE_STATUSES], order_by: "created_at", limit: 100 });
		const tasks = page.tasks.flatMap((t) => {
			const status = inspectGroupOf(t.status);
			return status ? [{ task_id: t.task_id, status, name: t.task_name }] : [];
		});
		return c.json({ tasks, total: page.total }, 200);
	});
}
