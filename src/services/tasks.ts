/**
 * The task service: what every route (ours and the compat adapters) calls. Routes parse and
 * authorise; this maps requests onto the task's object, its cache and its history, and turns
 * the object's refusals into API errors.
 */
import type { Scope } from "../auth/scopes";
import { cacheIfFinal, readSnapshot } from "../cache/snapshots";
import { namespaceStub } from "../dispatch";
import type { Waiting } from "../dispatch/protocol";
import { ApiError } from "../errors";
import { handlerFor } from "../execute/handlers";
import { type ExecutionMode, MAX_BUILTIN_TIMEOUT_SECONDS } from "../execute/protocol";
import type { PushTarget } from "../execute/push";
import { outboundModeOf, outboundUrlProblem } from "../execute/ssrf-guard";
import { DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT_SECONDS, type TaskTypeDefinition, typeOfTask } from "../execute/task-types";
import { tenantRegistry } from "../execute/tenant-registry";
import { historyDb } from "../history/db";
import { findTaskSnapshot } from "../history/tasks";
import { callObject } from "../platform/object-calls";
import { idempotentTaskId, newTaskId, requestFingerprint, taskIdOf } from "../task/ids";
import type { CancelMode } from "../task/machine";
import { taskStub } from "../task/stub";
import type { Task } from "../task/task";
import type { TaskAnswer, TaskEventEntry } from "../task/task-object";
import { subscribedEvents } from "./webhooks";

export interface CreateTaskInput {
	task_name: string;
	payload?: unknown;
	namespace?: string;
	priority?: number;
	max_retries?: number;
	timeout_seconds?: number;
	run_at?: string;
	delay_seconds?: number;
	metadata?: Record<string, string>;
	execution?: ExecutionMode;
	lease_seconds?: number;
	target?: PushTarget;
	/** Gets the task's terminal event, signed with the tenant's signing secret. */
	callback_url?: string;
}

export interface Caller {
	tenant: string;
	/** Who created a task: the API key's name, or null in keyless dev mode. */
	actor: string | null;
	/** What the caller may do; which scope a request needs is decided in src/auth/scopes.ts. */
	scopes: readonly Scope[];
}

/** A task as GET answers it: a PENDING task also says why it is waiting. */
export type TaskView = Task & { waiting?: Waiting };

function settle(answer: TaskAnswer): Task {
	if (answer.ok) {
		return answer.task;
	}
	switch (answer.code) {
		case "NOT_FOUND":
			throw new ApiError("NOT_FOUND", "no task with this id");
		case "IDEMPOTENCY_MISMATCH":
			throw new ApiError("VALIDATION_FAILED", answer.reason, { errors: [{ path: "Idempotency-Key", message: answer.reason }] });
		default:
			throw new ApiError("CONFLICT", answer.reason);
	}
}

/**
 * The stored form of a task id from a path (ids compare case-insensitively). A malformed id
 * is as unknown as a missing one, and costs no storage read to say so.
 */
export function requireTaskId(raw: string): string {
	const taskId = taskIdOf(raw);
	if (taskId === null) {
		throw new ApiError("NOT_FOUND", "no task with this id");
	}
	return taskId;
}

/**
 * The target an `http` task is pushed to (its own, else its type's), or null for other modes.
 * The SSRF guard judges it here, so a target that could never be called is a clear 422 now
 * rather than a failed attempt later (it runs again before every push).
 */
function targetOf(env: Env, input: CreateTaskInput, type: TaskTypeDefinition, execution: ExecutionMode): PushTarget | null {
	const target = execution === "http" ? (input.target ?? type.target ?? null) : null;
	const refuse = (path: string, message: string) => {
		throw new ApiError("VALIDATION_FAILED", message, { errors: [{ path, message }] });
	};
	if (execution === "http" && target === null) {
		refuse("target", `an http task needs a target: give one, or give its type (${type.type}) one`);
	}
	if (execution !== "http" && input.target) {
		refuse("target", `a target is pushed to only in execution http, not ${execution}`);
	}
	const problem = target && outboundUrlProblem(target.url, outboundModeOf(env));
	if (problem) {
		refuse("target.url", problem);
	}
	return target;
}

/** The SSRF guard judges a callback URL at creation (a clear 422) and again before every send. */
function callbackUrlOf(env: Env, input: CreateTaskInput): string | null {
	const url = input.callback_url ?? null;
	const problem = url && outboundUrlProblem(url, outboundModeOf(env));
	if (problem) {
		throw new ApiError("VALIDATION_FAILED", problem, { errors: [{ path: "callback_url", message: problem }] });
	}
	return url;
}

/**
 * The task's execution mode: asked for, else http when it names a target, else its type's, else builtin when a handler is
 * compiled in for the name and pull otherwise (the task waits for a worker instead of failing).
 * Throws ApiError VALIDATION_FAILED for a builtin task with no handler.
 */
function executionOf(input: CreateTaskInput, type: TaskTypeDefinition): ExecutionMode {
	const mode = input.execution ?? (input.target ? "http" : (type.execution ?? (handlerFor(input.task_name) ? "builtin" : "pull")));
	if (mode === "builtin" && !handlerFor(input.task_name)) {
		const message = `no builtin handler is compiled in for ${input.task_name}: use execution pull or external`;
		throw new ApiError("VALIDATION_FAILED", message, { errors: [{ path: "execution", message }] });
	}
	return mode;
}

/**
 * A builtin attempt runs inside one alarm invocation: its timeout is at most
 * MAX_BUILTIN_TIMEOUT_SECONDS. A type's longer default is capped; a create asking for more is refused.
 */
function timeoutOf(input: CreateTaskInput, type: TaskTypeDefinition, execution: ExecutionMode): number {
	const asked = input.timeout_seconds;
	const fallback = type.timeout_seconds ?? DEFAULT_TIMEOUT_SECONDS;
	if (execution !== "builtin") {
		return asked ?? fallback;
	}
	if (asked !== undefined && asked > MAX_BUILTIN_TIMEOUT_SECONDS) {
		const message = `a builtin task runs at most ${MAX_BUILTIN_TIMEOUT_SECONDS} s (one alarm invocation); use pull or external for longer work`;
		throw new ApiError("VALIDATION_FAILED", message, { errors: [{ path: "timeout_seconds", message }] });
	}
	return Math.min(asked ?? fallback, MAX_BUILTIN_TIMEOUT_SECONDS);
}

export async function createTask(
	env: Env,
	caller: Caller,
	input: CreateTaskInput,
	idempotencyKey: string | null,
	now = Date.now(),
): Promise<{ task: Task; created: boolean; token?: string }> {
	// Resolution order: the request's fields, else its type's (tenant > built-in > defaults).
	const type = typeOfTask(await tenantRegistry(env.DB, caller.tenant, now), input.task_name);
	const execution = executionOf(input, type);
	const timeoutSeconds = timeoutOf(input, type, execution);
	const target = targetOf(env, input, type, execution);
	const callbackUrl = callbackUrlOf(env, input);
	const namespace = input.namespace ?? "default";
	const taskId = idempotencyKey === null ? newTaskId() : await idempotentTaskId(caller.tenant, idempotencyKey);
	const runAt = input.run_at !== undefined ? Date.parse(input.run_at) : input.delay_seconds ? now + input.delay_seconds * 1000 : null;
	const spec = {
		task_id: taskId,
		tenant: caller.tenant,
		task_name: input.task_name,
		task_type: type.type,
		task_type_display: type.display,
		namespace,
		priority: input.priority ?? 0,
		payload: input.payload ?? null,
		max_retries: input.max_retries ?? type.max_retries ?? DEFAULT_MAX_RETRIES,
		timeout_seconds: timeoutSeconds,
		run_at: runAt,
		metadata: input.metadata ?? {},
		created_by: caller.actor,
		idempotency_key: idempotencyKey,
		execution,
		lease_seconds: input.lease_seconds ?? null,
		target,
		backoff: type.backoff,
		callback_url: callbackUrl,
		webhook_events: await subscribedEvents(env, caller.tenant, namespace, type.type, now),
	};
	const fingerprint = idempotencyKey === null ? null : await requestFingerprint(input);
	// Retried on a retryable platform error: a second create of the same id answers the first.
	// Cast: the RPC stub's wrapped return type loses the `ok` discriminant.
	const answer = await callObject<TaskAnswer>(
		async () => (await taskStub(env, caller.tenant, taskId).create(spec, fingerprint)) as TaskAnswer,
	);
	const task = settle(answer);
	const token = answer.ok ? answer.token : undefined;
	return { task, created: answer.ok && answer.created === true, ...(token === undefined ? {} : { token }) };
}

/** Read path: KV (terminal snapshots) ▸ the task's object ▸ D1 history ▸ 404. */
export async function getTask(
	env: Env,
	ctx: { waitUntil(promise: Promise<unknown>): void },
	caller: Caller,
	rawTaskId: string,
): Promise<TaskView> {
	const taskId = requireTaskId(rawTaskId);
	const cached = await readSnapshot(env.CACHE, caller.tenant, taskId);
	if (cached) {
		return cached;
	}
	const live = (await callObject(() => taskStub(env, caller.tenant, taskId).get())) as Task | null;
	// Only a waiting task costs the dispatcher a request: why is it waiting? An external task is
	// never offered to the dispatcher (its runner's first report starts it), which would answer
	// "dispatching" for ever, so it goes without a reason.
	if (live?.status === "PENDING" && live.execution !== "external") {
		const waiting = await callObject(() => namespaceStub(env, caller.tenant, live.namespace).waiting(taskId));
		return { ...live, waiting };
	}
	if (live) {
		ctx.waitUntil(cacheIfFinal(env.CACHE, caller.tenant, live, Number(env.CACHE_TTL_SECONDS)));
		return live;
	}
	const history = await findTaskSnapshot(historyDb(env.DB), caller.tenant, taskId);
	if (history) {
		return history;
	}
	throw new ApiError("NOT_FOUND", "no task with this id");
}

// Cancel and retry are not retried: a repeat after one that landed would answer 409.
export async function cancelTask(env: Env, caller: Caller, rawTaskId: string, mode: CancelMode, graceSeconds?: number): Promise<Task> {
	return settle(await taskStub(env, caller.tenant, requireTaskId(rawTaskId)).cancel(mode, graceSeconds));
}

/** An external task's answer carries its new attempt's token. */
export async function retryTask(env: Env, caller: Caller, rawTaskId: string, resetAttempts: boolean): Promise<Task & { token?: string }> {
	const answer = (await taskStub(env, caller.tenant, requireTaskId(rawTaskId)).retry(resetAttempts)) as TaskAnswer;
	const task = settle(answer);
	return answer.ok && answer.token !== undefined ? { ...task, token: answer.token } : task;
}

export async function listTaskEvents(env: Env, caller: Caller, rawTaskId: string): Promise<TaskEventEntry[]> {
	const taskId = requireTaskId(rawTaskId);
	const events = await callObject(() => taskStub(env, caller.tenant, taskId).events());
	if (events) {
		return events;
	}
	if (await findTaskSnapshot(historyDb(env.DB), caller.tenant, taskId)) {
		const days = env.TASK_RETENTION_DAYS;
		throw new ApiError(
			"NOT_FOUND",
			`this task's events and logs were purged ${days} days after it finished; its record remains in history`,
		);
	}
	throw new ApiError("NOT_FOUND", "no task with this id");
}
