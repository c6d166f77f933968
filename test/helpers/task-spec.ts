/** A task's creation spec, as the service hands it to the object, for tests that bypass the API. */
import type { NewTask } from "../../src/task/machine";

export function newTaskSpec(overrides: Partial<NewTask> = {}): NewTask {
	return {
		task_id: crypto.randomUUID(),
		tenant: "dev",
		task_name: "demo.sleep",
		task_type: "demo",
		task_type_display: "Demo",
		namespace: "default",
		priority: 0,
		payload: null,
		max_retries: 3,
		timeout_seconds: 60,
		run_at: null,
		metadata: {},
		created_by: null,
		idempotency_key: null,
		...overrides,
	};
}
