/**
 * Task types as clients see them: the built-in registry and the tenant's own definitions
 * (`PUT /v1/task-types/{type}`), each with where it comes from and whether it wins.
 */
import { ApiError } from "../errors";
import { HANDLERS } from "../execute/handlers";
import { type ExecutionMode, MAX_BUILTIN_TIMEOUT_SECONDS } from "../execute/protocol";
import type { PushTarget } from "../execute/push";
import { outboundModeOf, outboundUrlProblem } from "../execute/ssrf-guard";
import {
	OTHER_TYPE,
	patternMeaning,
	type ResolvedTaskType,
	resolveType,
	TASK_TYPES,
	type TenantTaskType,
	type TypeRegistry,
	taskTypeByName,
	typeOfTask,
} from "../execute/task-types";
import { forgetTenantRegistry, tenantRegistry } from "../execute/tenant-registry";
import { historyDb } from "../history/db";
import { deleteTenantTaskType, saveTenantTaskType } from "../history/task-types";
import type { RetryBackoff } from "../task/retry";
import { redactTarget } from "../task/task";
import type { Caller } from "./tasks";

export interface TaskTypeInfo {
	type: string;
	display: string;
	patterns: string[];
	defaults: { max_retries: number; timeout_seconds: number; backoff: RetryBackoff };
	rate_limit: { per_second: number; burst: number } | null;
	/** Whether a built-in handler runs some task name of this type. */
	has_handler: boolean;
	/** The task names built-in handlers run for this type. */
	handlers: string[];
	/** The type's own mode; null: builtin for the names in `handlers`, pull for the rest. */
	execution: ExecutionMode | null;
	/** Where http tasks of this type are pushed (header values redacted); null when it has none. */
	target: PushTarget | null;
	source: "builtin" | "tenant";
	overrides: boolean;
	/** False for a built-in type a tenant definition of the same name replaces. */
	active: boolean;
}

function describe(registry: TypeRegistry, def: ResolvedTaskType, active = true): TaskTypeInfo {
	// Handlers are keyed by task_name: a type has one when any handled name falls in it.
	const handlers = Object.keys(HANDLERS).filter((name) => typeOfTask(registry, name).type === def.type);
	return {
		type: def.type,
		display: def.display,
		patterns: [...def.patterns],
		defaults: { max_retries: def.max_retries, timeout_seconds: def.timeout_seconds, backoff: def.backoff },
		rate_limit: def.rate_limit ?? null,
		has_handler: handlers.length > 0,
		handlers,
		execution: def.execution ?? null,
		target: redactTarget(def.target),
		source: def.source,
		overrides: def.overrides,
		active,
	};
}

/** The tenant's types first, then the built-in ones; a built-in type a tenant replaces is listed inactive. */
export async function listTaskTypes(env: Env, caller: Caller): Promise<TaskTypeInfo[]> {
	const registry = await tenantRegistry(env.DB, caller.tenant);
	const replaced = registry.tenant.filter((t) => t.overrides).map((t) => t.type);
	const shadowed = [...TASK_TYPES, OTHER_TYPE].filter((t) => replaced.includes(t.type));
	return [
		...registry.tenant.map((t) => describe(registry, t)),
		...registry.builtin.map((t) => describe(registry, t)),
		...shadowed.map((t) => describe(registry, resolveType(undefined, t), false)),
	];
}

/** The type that wins for the tenant. Throws ApiError NOT_FOUND when neither it nor the registry has one. */
export async function getTaskType(env: Env, caller: Caller, type: string): Promise<TaskTypeInfo> {
	const registry = await tenantRegistry(env.DB, caller.tenant);
	const def = registry.tenant.find((t) => t.type === type) ?? registry.builtin.find((t) => t.type === type);
	if (!def) {
		throw new ApiError("NOT_FOUND", `no task type ${type}: define it with PUT /v1/task-types/${type}`);
	}
	return describe(registry, def);
}

function refuse(path: string, message: string): never {
	throw new ApiError("VALIDATION_FAILED", message, { errors: [{ path, message }] });
}

/**
 * Checks what the body's schema cannot: rules that depend on the built-in type it overrides
 * and on the deployment. Throws ApiError VALIDATION_FAILED.
 */
function checkDefinition(env: Env, definition: TenantTaskType): void {
	if (definition.type === OTHER_TYPE.type) {
		refuse("type", "other is the type of every name no pattern matches; it cannot be defined");
	}
	const builtin = taskTypeByName(definition.type);
	const resolved = resolveType(definition, builtin);
	if (resolved.patterns.length === 0) {
		refuse("patterns", "a type that is not built in needs patterns: the task names it covers");
	}
	if (resolved.execution === "builtin" && resolved.timeout_seconds > MAX_BUILTIN_TIMEOUT_SECONDS) {
		const message = `a builtin task runs at most ${MAX_BUILTIN_TIMEOUT_SECONDS} s (one alarm invocation); use pull or external for longer work`;
		refuse("timeout_seconds", message);
	}
	if (resolved.execution === "http" && !resolved.target) {
		refuse("target", "an http type needs a target: where its tasks are pushed");
	}
	if (definition.target && resolved.execution !== "http") {
		refuse("target", `a target is pushed to only in execution http, not ${resolved.execution ?? "the default"}`);
	}
	const problem = definition.target && outboundUrlProblem(definition.target.url, outboundModeOf(env));
	if (problem) {
		refuse("target.url", problem);
	}
}

/**
 * Refuses a pattern another of the tenant's types already has (or one matching the same names):
 * the type found first would keep those names, so the new one could never win them.
 * Throws ApiError VALIDATION_FAILED naming the pattern.
 */
async function checkPatternsUnclaimed(env: Env, tenant: string, definition: TenantTaskType): Promise<void> {
	const registry = await tenantRegistry(env.DB, tenant);
	const owners = new Map<string, string>();
	for (const other of registry.tenant.filter((t) => t.type !== definition.type)) {
		for (const pattern of other.patterns) {
			owners.set(patternMeaning(pattern), other.type);
		}
	}
	const patterns = resolveType(definition, taskTypeByName(definition.type)).patterns;
	patterns.forEach((pattern, index) => {
		const owner = owners.get(patternMeaning(pattern));
		if (owner) {
			const path = definition.patterns ? `patterns.${index}` : "patterns";
			refuse(
				path,
				`${pattern} is already a pattern of the type ${owner}, which would keep the names it matches; change or delete that type first`,
			);
		}
	});
}

/** Defines or replaces the tenant's type (a field left out comes from the built-in type of that name, else the defaults). */
export async function putTaskType(env: Env, caller: Caller, type: string, body: Omit<TenantTaskType, "type">): Promise<TaskTypeInfo> {
	const definition: TenantTaskType = { ...body, type };
	checkDefinition(env, definition);
	await checkPatternsUnclaimed(env, caller.tenant, definition);
	await saveTenantTaskType(historyDb(env.DB), caller.tenant, definition, Date.now());
	forgetTenantRegistry(caller.tenant);
	return getTaskType(env, caller, type);
}

/** Removes the tenant's definition: the built-in type of that name, if any, applies again. Throws NOT_FOUND when there was none. */
export async function deleteTaskType(env: Env, caller: Caller, type: string): Promise<void> {
	if (!(await deleteTenantTaskType(historyDb(env.DB), caller.tenant, type, Date.now()))) {
		throw new ApiError("NOT_FOUND", `the tenant has no definition of ${type}`);
	}
	forgetTenantRegistry(caller.tenant);
}
