/**
 * The type registry: a task's category comes from its name — the exact name first, then the
 * longest matching prefix (`etl.` → `etl`), else `other`. Types carry the defaults a task of
 * that kind gets when the create request leaves them out.
 */
import type { ExecutionMode } from "./protocol";
import type { PushTarget } from "./push";

export interface TaskTypeDefinition {
	type: string;
	display: string;
	/** Exact task names, or prefixes ending in `.` or `_`. */
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
	return pattern.endsWith(".") || pattern.endsWith("_");
}

/** The registry's definition of the type named `type`, if it has one. */
export function taskTypeByName(type: string): TaskTypeDefinition | undefined {
	return type === OTHER_TYPE.type ? OTHER_TYPE : TASK_TYPES.find((t) => t.type === type);
}

/** `types` is the registry to search; tests pass their own to exercise overlapping patterns. */
export function taskTypeOf(taskName: string, types: readonly TaskTypeDefinition[] = TASK_TYPES): TaskTypeDefinition {
	const exact = types.find((t) => t.patterns.some((p) => !isPrefix(p) && p === taskName));
	if (exact) {
		return exact;
	}
	let best: { def: TaskTypeDefinition; length: number } | null = null;
	for (const def of types) {
		for (const p of def.patterns) {
			if (isPrefix(p) && taskName.startsWith(p) && (best === null || p.length > best.length)) {
				best = { def, length: p.length };
			}
		}
	}
	return best?.def ?? OTHER_TYPE;
}

/**
 * The one type every name starting with `prefix` has, or null when names under it can fall in
 * different types (a registry pattern starts with the prefix and reaches further). Lets a
 * task_name prefix filter search the type index.
 */
export function taskTypeOfPrefix(prefix: string): TaskTypeDefinition | null {
	const reachesFurther = TASK_TYPES.some((t) => t.patterns.some((p) => p.startsWith(prefix) && !(p === prefix && isPrefix(p))));
	return reachesFurther ? null : taskTypeOf(prefix);
}
