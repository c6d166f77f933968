/**
 * The type registry: a task's category comes from its name — the exact name first, then the
 * longest matching prefix (`etl.` → `etl`), else `other`. Types carry the defaults a task of
 * that kind gets when the create request leaves them out. A tenant's own definitions
 * (`PUT /v1/task-types/{type}`) are layered over these in `typeRegistry`.
 */
import { DEFAULT_RETRY_BACKOFF, type RetryBackoff } from "../task/retry";
import type { ExecutionMode } from "./protocol";
import type { PushTarget } from "./push";

export interface TaskTypeDefinition {
	type: string;
	display: string;
	/** Exact task names, prefixes ending in `.` or `_`, or globs ending in `*` (`etl.*`: any name starting `etl.`). */
	patterns: string[];
	max_retries: number;
	timeout_seconds: number;
	/**
	 * Starts per second and bucket depth for tasks of this type in each namespace (Mindia's
	 * per-type rate limits); a namespace may override it. None by default: unlimited.
	 */
	rate_limit?: { per_second: number; burst: number };
	/** Who runs tasks of this type; when absent, builtin if a handler is compiled in for the name, else pull. */
	execution?: ExecutionMode;
	/** Where tasks of this type are pushed when they name no target of their own. */
	target?: PushTarget;
	/** Delay before each automatic retry; absent: DEFAULT_RETRY_BACKOFF. */
	backoff?: RetryBackoff;
}

export const DEFAULT_MAX_RETRIES = 3;
export const DEFAULT_TIMEOUT_SECONDS = 1800;

const base = { max_retries: DEFAULT_MAX_RETRIES, timeout_seconds: DEFAULT_TIMEOUT_SECONDS };

export const TASK_TYPES: readonly TaskTypeDefinition[] = [
	{ ...base, type: "etl", display: "ETL Pipeline", patterns: ["etl.", "etl_"] },
	{ ...base, type: "import_template", display: "Import Template", patterns: ["import_template.", "import."] },
	{ ...base, type: "integration_rule", display: "Integration Rule", patterns: ["integration_rule.", "integration."] },
	{ ...base, type: "email", display: "Email", patterns: ["email.", "emails.", "send_email"] },
	{ ...base, type: "ml_training", display: "ML Training", patterns: ["ml_training.", "ml.", "train_model"], timeout_seconds: 6 * 3600 },
	{ ...base, type: "embedding", display: "Embedding", patterns: ["embedding.", "embeddings."] },
	{ ...base, type: "reconciliation", display: "Reconciliation", patterns: ["reconciliation.", "reconcile."] },
	{
		...base,
		type: "VideoTranscoding",
		display: "Video Transcoding",
		patterns: ["VideoTranscoding", "video.", "transcode."],
		timeout_seconds: 3 * 3600,
	},
	{ ...base, type: "EmbeddingGeneration", display: "Embedding Generation", patterns: ["EmbeddingGeneration", "embedding_generation."] },
	{ ...base, type: "PluginExecution", display: "Plugin Execution", patterns: ["PluginExecution", "plugin."] },
	{ ...base, type: "demo", display: "Demo", patterns: ["demo."] },
	{ ...base, type: "messages", display: "Messages", patterns: ["messages.", "tasks.create_message"] },
];

export const OTHER_TYPE: TaskTypeDefinition = { ...base, type: "other", display: "Other", patterns: [] };

function isPrefix(pattern: string): boolean {
	return pattern.endsWith(".") || pattern.endsWith("_") || pattern.endsWith("*");
}

/** What a prefix pattern requires a name to start with (a glob's `*` stands for the rest). */
function prefixText(pattern: string): string {
	return pattern.endsWith("*") ? pattern.slice(0, -1) : pattern;
}

/** What a pattern matches, as one string: `reports.` and `reports.*` both give `reports.*`. */
export function patternMeaning(pattern: string): string {
	return isPrefix(pattern) ? `${prefixText(pattern)}*` : pattern;
}

/** The registry's definition of the type named `type`, if it has one. */
export function taskTypeByName(type: string): TaskTypeDefinition | undefined {
	return type === OTHER_TYPE.type ? OTHER_TYPE : TASK_TYPES.find((t) => t.type === type);
}

/** `types` is the registry to search; tests pass their own to exercise overlapping patterns. */
export function taskTypeOf(taskName: string, types: readonly TaskTypeDefinition[] = TASK_TYPES): TaskTypeDefinition {
	return matchType(taskName, types) ?? OTHER_TYPE;
}

function matchType<T extends TaskTypeDefinition>(taskName: string, types: readonly T[]): T | undefined {
	const exact = types.find((t) => t.patterns.some((p) => !isPrefix(p) && p === taskName));
	if (exact) {
		return exact;
	}
	let best: { def: T; length: number } | null = null;
	for (const def of types) {
		for (const p of def.patterns) {
			const prefix = prefixText(p);
			if (isPrefix(p) && taskName.startsWith(prefix) && (best === null || prefix.length > best.length)) {
				best = { def, length: prefix.length };
			}
		}
	}
	return best?.def;
}

/**
 * The one type every name starting with `prefix` has, or null when names under it can fall in
 * different types (a registry pattern starts with the prefix and reaches further). Lets a
 * task_name prefix filter search the type index.
 */
export function taskTypeOfPrefix(prefix: string): TaskTypeDefinition | null {
	const reachesFurther = TASK_TYPES.some((t) =>
		t.patterns.some((p) => prefixText(p).startsWith(prefix) && !(prefixText(p) === prefix && isPrefix(p))),
	);
	return reachesFurther ? null : taskTypeOf(prefix);
}

/**
 * A tenant's own definition of a type (`PUT /v1/task-types/{type}`). A field left out comes from
 * the built-in type of the same name, if there is one, else the defaults.
 */
export interface TenantTaskType {
	type: string;
	display?: string;
	patterns?: string[];
	execution?: ExecutionMode;
	target?: PushTarget;
	max_retries?: number;
	timeout_seconds?: number;
	backoff?: RetryBackoff;
	rate_limit?: { per_second: number; burst: number };
}

/** A type as a tenant's tasks get it, and where it comes from. */
export interface ResolvedTaskType extends TaskTypeDefinition {
	backoff: RetryBackoff;
	/** `tenant`: the tenant's definition wins (over a built-in type of that name when `overrides`). */
	source: "builtin" | "tenant";
	overrides: boolean;
}

/**
 * The one resolution order of a type's settings: the tenant's definition, else the built-in type
 * of that name, else the defaults. The create path (services/tasks.ts) puts the request's own
 * fields before this, the dispatcher (dispatch/limits.ts) the namespace's rate limits.
 */
export function resolveType(tenant: TenantTaskType | undefined, builtin: TaskTypeDefinition | undefined): ResolvedTaskType {
	const type = tenant?.type ?? builtin?.type ?? OTHER_TYPE.type;
	const pick = <K extends keyof TenantTaskType & keyof TaskTypeDefinition>(key: K) => tenant?.[key] ?? builtin?.[key];
	const resolved: ResolvedTaskType = {
		type,
		display: pick("display") ?? type,
		patterns: [...(pick("patterns") ?? [])],
		max_retries: pick("max_retries") ?? DEFAULT_MAX_RETRIES,
		timeout_seconds: pick("timeout_seconds") ?? DEFAULT_TIMEOUT_SECONDS,
		backoff: pick("backoff") ?? DEFAULT_RETRY_BACKOFF,
		source: tenant ? "tenant" : "builtin",
		overrides: tenant !== undefined && builtin !== undefined,
	};
	const rateLimit = pick("rate_limit");
	const execution = pick("execution");
	const target = pick("target");
	return { ...resolved, ...(rateLimit && { rate_limit: rateLimit }), ...(execution && { execution }), ...(target && { target }) };
}

/** The types one tenant's tasks see. */
export interface TypeRegistry {
	/** The tenant's definitions: their patterns are tried before the built-in ones. */
	tenant: readonly ResolvedTaskType[];
	/** The built-in types no tenant definition replaces, and `other`. */
	builtin: readonly ResolvedTaskType[];
	/**
	 * The tenant has defined a type at some time (deleted ones count): its tasks of one name may
	 * then have different types, created before and after a change.
	 */
	customised: boolean;
}

export function typeRegistry(tenantTypes: readonly TenantTaskType[], customised = tenantTypes.length > 0): TypeRegistry {
	const defined = new Set(tenantTypes.map((t) => t.type));
	return {
		tenant: tenantTypes.map((t) => resolveType(t, taskTypeByName(t.type))),
		builtin: [...TASK_TYPES, OTHER_TYPE].filter((t) => !defined.has(t.type)).map((t) => resolveType(undefined, t)),
		customised,
	};
}

export const BUILTIN_REGISTRY: TypeRegistry = typeRegistry([]);

/** A task name's type for a tenant: its own patterns first (exact, then longest prefix), then the built-in ones, else `other`. */
export function typeOfTask(registry: TypeRegistry, taskName: string): ResolvedTaskType {
	const own = matchType(taskName, registry.tenant) ?? matchType(taskName, registry.builtin);
	return own ?? typeNamed(registry, OTHER_TYPE.type) ?? resolveType(undefined, OTHER_TYPE);
}

/** The type named `type` for a tenant, if it has one. */
export function typeNamed(registry: TypeRegistry, type: string): ResolvedTaskType | undefined {
	return registry.tenant.find((t) => t.type === type) ?? registry.builtin.find((t) => t.type === type);
}
