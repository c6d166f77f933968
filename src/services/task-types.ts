/** The type registry as clients see it: each type, its patterns and defaults, and what runs it. */
import { HANDLERS } from "../execute/handlers";
import type { ExecutionMode } from "../execute/protocol";
import { OTHER_TYPE, TASK_TYPES, type TaskTypeDefinition, taskTypeOf } from "../execute/task-types";

export interface TaskTypeInfo {
	type: string;
	display: string;
	patterns: string[];
	defaults: { max_retries: number; timeout_seconds: number };
	/** Whether a built-in handler runs some task name of this type. */
	has_handler: boolean;
	/** The task names built-in handlers run for this type. */
	handlers: string[];
	/** The type's own mode; null: builtin for the names in `handlers`, pull for the rest. */
	execution: ExecutionMode | null;
}

function describe(def: TaskTypeDefinition): TaskTypeInfo {
	// Handlers are keyed by task_name: a type has one when any handled name falls in it.
	const handlers = Object.keys(HANDLERS).filter((name) => taskTypeOf(name).type === def.type);
	return {
		type: def.type,
		display: def.display,
		patterns: [...def.patterns],
		defaults: { max_retries: def.max_retries, timeout_seconds: def.timeout_seconds },
		has_handler: handlers.length > 0,
		handlers,
		execution: def.execution ?? null,
	};
}

export function listTaskTypes(): TaskTypeInfo[] {
	return [...TASK_TYPES, OTHER_TYPE].map(describe);
}
