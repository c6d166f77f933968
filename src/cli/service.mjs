// @ts-check
/** `taskplane stats | types | namespaces | keys | worker`: the service around the tasks. */

import path from "node:path";
import { pathToFileURL } from "node:url";
import { Command } from "commander";
import { TaskplaneWorker } from "../client/worker.mjs";
import { printJson, printRecord, printTable } from "./output.mjs";
import { integer } from "./tasks.mjs";

/** @typedef {import("./tasks.mjs").Context} Context */

/** @param {string} value */
const list = (value) =>
	value
		.split(",")
		.map((s) => s.trim())
		.filter(Boolean);

/**
 * A module's handlers by task name: its `handlers` export, else its default export (an object of
 * functions), else its exported functions by their own names.
 * @param {string} file @returns {Promise<Record<string, import("../client/worker.mjs").Handler>>}
 */
export async function loadHandlers(file) {
	const mod = await import(pathToFileURL(path.resolve(file)).href);
	const source = mod.handlers ?? (typeof mod.default === "object" && mod.default !== null ? mod.default : mod);
	const handlers = Object.fromEntries(Object.entries(source).filter(([, fn]) => typeof fn === "function"));
	if (Object.keys(handlers).length === 0) {
		throw new Error(`${file} exports no handlers: export const handlers = { "task.name": async (task) => result }`);
	}
	return handlers;
}

/** @param {Context} context @returns {Command[]} */
export function serviceCommands(context) {
	const stats = new Command("stats")
		.description("counts, durations and success rate of recent tasks")
		.option("--hours <n>", "over tasks created in the last n hours (default 24)", integer)
		.option("--type <task_types>", "comma-separated")
		.option("--namespace <name>")
		.action(async (opts, command) => {
			const { client, json } = context(command);
			const body = await client.stats({
				hours_ago: opts.hours,
				task_type: opts.type ? list(opts.type) : undefined,
				namespace: opts.namespace,
			});
			if (json) {
				printJson(body);
				return;
			}
			const { by_status, by_type, window, ...totals } = body;
			printRecord({ ...totals, from: window.from, to: window.to });
			process.stdout.write("\n");
			printTable(
				Object.entries(by_status).map(([status, count]) => ({ status, count })),
				["status", "count"],
			);
		});

	const types = new Command("types").description("task types: their defaults and how they run").action(async (_opts, command) => {
		const { client, json } = context(command);
		const body = await client.request("GET", "/v1/task-types");
		json
			? printJson(body.task_types)
			: printTable(
					body.task_types.map((/** @type {Record<string, any>} */ t) => ({
						...t,
						patterns: t.patterns.join(" "),
						max_retries: t.defaults.max_retries,
						timeout: `${t.defaults.timeout_seconds}s`,
						execution: t.execution ?? (t.has_handler ? "builtin/pull" : "pull"),
					})),
					["type", "display", "patterns", "execution", "max_retries", "timeout"],
				);
	});

	const namespaces = new Command("namespaces")
		.description("namespaces: what waits, what runs, their limits")
		.action(async (_opts, command) => {
			const { client, json } = context(command);
			const found = [];
			for (let after; ; ) {
				const page = await client.request("GET", "/v1/namespaces", { query: { limit: 100, after } });
				found.push(...page.namespaces);
				after = page.next_after;
				if (!after) {
					break;
				}
			}
			json ? printJson(found) : printTable(found, ["namespace", "ready", "running", "oldest_wait_seconds", "max_concurrency", "paused"]);
		});

	const keys = new Command("keys").description("API keys (admin)");
	keys
		.command("list", { isDefault: true })
		.option("--tenant <tenant>", "with the ADMIN_TOKEN (which must name one): whose keys")
		.action(async (opts, command) => {
			const { client, json } = context(command);
			const body = await client.request("GET", "/v1/api-keys", { query: { tenant: opts.tenant } });
			json
				? printJson(body.api_keys)
				: printTable(
						body.api_keys.map((/** @type {Record<string, any>} */ k) => ({ ...k, scopes: k.scopes.join(",") })),
						["id", "tenant", "name", "prefix", "scopes", "created_at", "revoked_at"],
					);
		});
	keys
		.command("create")
		.description("a new key; its secret is shown this once")
		.requiredOption("--name <name>")
		.requiredOption("--scopes <scopes>", "comma-separated: tasks:read, tasks:write, tasks:work, admin")
		.option("--tenant <tenant>", "with the ADMIN_TOKEN: the tenant the key belongs to")
		.action(async (opts, command) => {
			const { client, json } = context(command);
			const key = await client.request("POST", "/v1/api-keys", {
				body: { name: opts.name, scopes: list(opts.scopes), tenant: opts.tenant },
			});
			json ? printJson(key) : printRecord(key);
		});
	keys
		.command("revoke")
		.argument("<id>")
		.action(async (id, _opts, command) => {
			const { client, json } = context(command);
			const key = await client.request("DELETE", `/v1/api-keys/${encodeURIComponent(id)}`);
			json ? printJson(key) : printRecord(key);
		});

	const worker = new Command("worker")
		.description("run a module's handlers as a pull worker until SIGTERM or SIGINT")
		.requiredOption("--module <file>", "exports handlers by task name: export const handlers = { ... }")
		.option("--namespace <name>")
		.option("--concurrency <n>", "attempts at once (default 10)", integer)
		.option("--lease <seconds>", "each attempt's lease (default 60)", integer)
		.option("--wait-seconds <n>", "how long one claim long-polls, at most 30 (default 20); a stop waits for it", integer)
		.action(async (opts, command) => {
			const { client } = context(command);
			const handlers = await loadHandlers(opts.module);
			const running = new TaskplaneWorker({
				url: client.transport.baseUrl,
				apiKey: client.transport.apiKey,
				handlers,
				namespace: opts.namespace,
				concurrency: opts.concurrency,
				leaseSeconds: opts.lease,
				waitSeconds: opts.waitSeconds,
			});
			process.stderr.write(`taskplane worker: claiming ${Object.keys(handlers).join(", ")} from ${client.transport.baseUrl}\n`);
			await running.start();
			process.stderr.write("taskplane worker: stopped\n");
		});

	return [stats, types, namespaces, keys, worker];
}
