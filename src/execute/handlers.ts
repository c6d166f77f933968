/**
 * The handler registry: what runs for a task_name. A handler gets the attempt's context and
 * returns its result (and any item errors, which make the task COMPLETED_WITH_ERRORS); it
 * throws a TaskError to fail with a code of its own and say whether a retry can help.
 */
import { historyDb } from "../history/db";
import { insertMessage } from "../history/messages";
import type { ItemError, TaskProgress } from "../task/task";

export interface HandlerContext {
	task_id: string;
	tenant: string;
	attempt: number;
	payload: unknown;
	/** Aborts at once when the task is cancelled, times out or loses its attempt. */
	signal: AbortSignal;
	progress(progress: Partial<TaskProgress>): Promise<void>;
	log(message: string, data?: Record<string, unknown>): Promise<void>;
	env: Env;
}

export interface HandlerOutcome {
	result: unknown;
	errors?: ItemError[];
}

export type TaskHandler = (ctx: HandlerContext) => Promise<HandlerOutcome>;

export class TaskError extends Error {
	constructor(
		readonly code: string,
		message: string,
		readonly retryable: boolean,
	) {
		super(message);
	}
}

function field<T>(payload: unknown, name: string, check: (v: unknown) => v is T): T | undefined {
	const value = payload && typeof payload === "object" ? (payload as Record<string, unknown>)[name] : undefined;
	return check(value) ? value : undefined;
}
const isNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const isString = (v: unknown): v is string => typeof v === "string";
const isBoolean = (v: unknown): v is boolean => typeof v === "boolean";

function throwIfCancelled(signal: AbortSignal): void {
	if (signal.aborted) {
		throw new TaskError("CANCELED", "stopped on a cancel request", false);
	}
}

/** Sleeps in one-second steps, reporting progress after each, so a cancel stops it within a second. */
const sleep: TaskHandler = async (ctx) => {
	const duration = Math.min(field(ctx.payload, "duration_seconds", isNumber) ?? 1, 24 * 3600);
	const steps = Math.ceil(Math.max(0, duration));
	for (let step = 1; step <= steps; step++) {
		throwIfCancelled(ctx.signal);
		const slice = Math.min(1, duration - (step - 1));
		await new Promise((resolve) => setTimeout(resolve, slice * 1000));
		await ctx.progress({ done: step, total: steps, percent: Math.round((step / steps) * 100), message: `slept ${step}s of ${steps}s` });
	}
	throwIfCancelled(ctx.signal);
	return { result: { slept_seconds: Math.max(0, duration) } };
};

const fail: TaskHandler = async (ctx) => {
	const code = field(ctx.payload, "code", isString) ?? "DEMO_FAILURE";
	const message = field(ctx.payload, "message", isString) ?? "demo.fail failed as asked";
	const retryable = field(ctx.payload, "retryable", isBoolean) ?? true;
	throw new TaskError(code, message, retryable);
};

const createMessage: TaskHandler = async (ctx) => {
	const content = field(ctx.payload, "content", isString);
	if (content === undefined) {
		throw new TaskError("INVALID_PAYLOAD", "messages.create needs a string `content`", false);
	}
	const message = await insertMessage(historyDb(ctx.env.DB), ctx.tenant, ctx.task_id, content, Date.now());
	return { result: message };
};

export const HANDLERS: Readonly<Record<string, TaskHandler>> = {
	"demo.sleep": sleep,
	"demo.fail": fail,
	"messages.create": createMessage,
};

export function handlerFor(taskName: string): TaskHandler | undefined {
	return Object.hasOwn(HANDLERS, taskName) ? HANDLERS[taskName] : undefined;
}
