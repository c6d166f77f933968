/**
 * The types of `taskplane/client`, inferred from the zod contract the routes validate with
 * (src/contract/), so the SDK and the API cannot drift apart. Type-only: nothing here runs.
 */
import type { z } from "zod";
import type { TaskListSchema, TaskStatsSchema } from "../contract/pages";
import type { CancelBody, CreateTaskBody, RetryBody, TaskEventSchema, TaskSchema } from "../contract/tasks";

/** A task as the API answers it (README.md § The task resource). */
export type Task = z.output<typeof TaskSchema>;
export type TaskStatus = Task["status"];
/** The four states a task ends in (only a retry leaves FAILED or CANCELED). */
export type TerminalStatus = Extract<TaskStatus, "COMPLETED" | "COMPLETED_WITH_ERRORS" | "FAILED" | "CANCELED">;
/** The body of `POST /v1/tasks`. */
export type CreateTaskInput = z.input<typeof CreateTaskBody>;
export type CancelInput = z.input<typeof CancelBody>;
export type RetryInput = z.input<typeof RetryBody>;
/** One entry of `GET /v1/tasks/{task_id}/events`: a transition or a log line. */
export type TaskEvent = z.output<typeof TaskEventSchema>;
/** One page of `GET /v1/tasks`. */
export type TaskList = z.output<typeof TaskListSchema>;
export type TaskStats = z.output<typeof TaskStatsSchema>;
