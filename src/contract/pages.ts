/**
 * What the list and statistics routes answer, as plain zod: the routes document these and the
 * SDK and CLI type against them.
 */
import { z } from "zod";
import { TASK_STATUSES } from "../task/task";
import { TaskSchema } from "./tasks";

export const TaskListSchema = z
	.object({
		tasks: z.array(TaskSchema),
		total: z.number().int().meta({ description: "Matching tasks, counted up to 10 000 (then total_capped is true)" }),
		total_capped: z.boolean(),
		limit: z.number().int(),
		offset: z.number().int(),
		next_cursor: z.string().nullable().meta({ description: "Pass as cursor for the next page (created_at orderings only)" }),
	})
	.meta({ id: "TaskList" });

const count = z.number().int();
const PERCENTILE =
	"Estimated from a histogram of durations (the operation's description lists its bucket bounds): the nearest rank's bucket, interpolated linearly within it";

export const TaskStatsSchema = z
	.object({
		total: count,
		by_status: z.record(z.enum(TASK_STATUSES), count),
		by_type: z.record(z.string(), count),
		running: count,
		completed: count.meta({ description: "COMPLETED and COMPLETED_WITH_ERRORS" }),
		failed: count,
		canceled: count,
		average_duration_seconds: z.number().nullable(),
		p50_duration_seconds: z.number().nullable().meta({ description: PERCENTILE }),
		p95_duration_seconds: z.number().nullable().meta({ description: PERCENTILE }),
		success_rate: z.number().nullable().meta({ description: "completed / finished; null when none finished" }),
		window: z.object({ hours_ago: z.number().nullable(), from: z.string().nullable(), to: z.string() }),
	})
	.meta({ id: "TaskStats" });
