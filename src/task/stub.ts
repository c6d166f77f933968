import type { TaskObject } from "./task-object";

/** Tenancy by construction: an object's name carries its tenant, so no id reaches another's. */
export function taskStub(env: Env, tenant: string, taskId: string): DurableObjectStub<TaskObject> {
	return env.TASKS.get(env.TASKS.idFromName(`${tenant}:${taskId}`));
}
