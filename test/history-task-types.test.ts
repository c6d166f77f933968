/** GET /v1/task-types lists the registry with patterns, defaults and whether a handler runs it. */

import { exports } from "cloudflare:workers";
import { OpenAPIHono } from "@hono/zod-openapi";
import { expect, it } from "vitest";
import { registerMetrics } from "../src/api/metrics";
import type { AppEnv } from "../src/api/openapi";
import { registerTaskTypes } from "../src/api/task-types";
import { registerListTasks } from "../src/api/tasks/list";
import { registerListTasksPost } from "../src/api/tasks/list-post";
import { registerTaskStats } from "../src/api/tasks/stats";
import type { TaskTypeInfo } from "../src/services/task-types";

it("lists every type of the systems we replace, with the built-in handlers found by name", async () => {
	const res = await exports.default.fetch("http://x/v1/task-types");
	expect(res.status).toBe(200);
	const { task_types } = await res.json<{ task_types: TaskTypeInfo[] }>();
	const byType = Object.fromEntries(task_types.map((t) => [t.type, t]));
	for (const type of [
		"etl",
		"import_template",
		"integration_rule",
		"email",
		"ml_training",
		"embedding",
		"reconciliation",
		"VideoTranscoding",
		"EmbeddingGeneration",
		"PluginExecution",
		"demo",
		"messages",
		"other",
	]) {
		expect(byType[type], type).toBeDefined();
	}
	expect(byType.etl).toEqual({
		type: "etl",
		display: "ETL Pipeline",
		patterns: ["etl.", "etl_"],
		defaults: { max_retries: 3, timeout_seconds: 1800, backoff: { base_seconds: 1, factor: 2, max_seconds: 300 } },
		rate_limit: null,
		has_handler: false,
		handlers: [],
		// No mode of its own: its names run as pull tasks, waiting for a worker.
		execution: null,
		target: null,
		source: "builtin",
		overrides: false,
		active: true,
	});
	expect(byType.ml_training?.defaults.timeout_seconds).toBe(6 * 3600);
	// Handlers are keyed by task name: demo.sleep and demo.fail are demo's, messages.create is messages'.
	expect(byType.demo).toMatchObject({ has_handler: true, handlers: ["demo.sleep", "demo.fail"] });
	expect(byType.messages).toMatchObject({ has_handler: true, handlers: ["messages.create"] });
	expect(task_types.filter((t) => t.has_handler).map((t) => t.type)).toEqual(["demo", "messages"]);
});

// Built apart from the whole app: on main /openapi.json is a 500 over z.json() in CreateTaskBody
// (fixed on the auth branch); this checks the history routes' own schemas document cleanly.
it("documents the history routes in OpenAPI", () => {
	const app = new OpenAPIHono<AppEnv>();
	registerListTasks(app);
	registerListTasksPost(app);
	registerTaskStats(app);
	registerTaskTypes(app);
	registerMetrics(app);
	const doc = app.getOpenAPI31Document({ openapi: "3.1.0", info: { title: "history", version: "0" } });
	expect(Object.keys(doc.paths ?? {}).sort()).toEqual([
		"/metrics",
		"/v1/task-types",
		"/v1/task-types/{type}",
		"/v1/tasks",
		"/v1/tasks/list",
		"/v1/tasks/stats",
	]);
	expect(doc.components?.schemas).toHaveProperty("TaskFilters");
	expect(doc.components?.schemas).toHaveProperty("TaskStats");
});
