// @ts-check
/** `taskplane tasks …`: create, get, list, watch, wait, cancel, retry, events. */
import { Command, InvalidArgumentError } from "commander";
import { waitTask, watchTask } from "./follow.mjs";
import { printJson, printRecord, printTable, progressText } from "./output.mjs";

/** @typedef {import("../client/client.mjs").TaskplaneClient} TaskplaneClient */
/** @typedef {import("../client/client.mjs").Task} Task */
/** @typedef {(command: Command) => {client: TaskplaneClient, json: boolean}} Context */

/** @param {string} value */
export function integer(value) {
	const n = Number(value);
	if (!Number.isInteger(n)) {
		throw new InvalidArgumentError("not an integer");
	}
	return n;
}

/** A count or a duration that must be above zero (`--timeout -1` waits for nothing). @param {string} value */
export function positiveInteger(value) {
	const n = integer(value);
	if (n < 1) {
		throw new InvalidArgumentError("must be 1 or more");
	}
	return n;
}

/** @param {string} value */
function json(value) {
	try {
		return JSON.parse(value);
	} catch {
		throw new InvalidArgumentError("not valid JSON");
	}
}

/** `key=value`, repeatable, into a record. @param {string} value @param {Record<string, string>} previous */
function pair(value, previous) {
	const at = value.indexOf("=");
	if (at < 1) {
		throw new InvalidArgumentError("expected key=value");
	}
	return { ...previous, [value.slice(0, at)]: value.slice(at + 1) };
}

/** @param {Task} task */
const row = (task) => ({
	task_id: task.task_id,
	task_name: task.task_name,
	status: task.status,
	progress: progressText(task.progress),
	created_at: task.created_at,
	duration: task.duration_seconds === null ? null : `${task.duration_seconds}s`,
});

/** @param {Task} task */
function printTask(task) {
	const { payload, result, errors, progress, metadata, ...rest } = task;
	printRecord({
		...rest,
		progress: progressText(progress) || null,
		payload,
		result,
		errors,
		metadata: Object.keys(metadata).length ? metadata : null,
	});
}

/**
 * @param {Context} context How a command finds the client and --json.
 * @param {(code: number) => void} setExitCode
 */
export function tasksCommand(context, setExitCode) {
	const tasks = new Command("tasks").description("create, inspect and follow tasks");

	tasks
		.command("create")
		.description("create a task (202: PENDING, or SCHEDULED with --delay)")
		.argument("<task_name>", "e.g. demo.sleep")
		.option("--payload <json>", "the task's input, JSON", json)
		.option("--namespace <name>")
		.option("--priority <n>", "higher runs first", integer)
		.option("--max-retries <n>", "", integer)
		.option("--timeout <seconds>", "", integer)
		.option("--delay <seconds>", "run this many seconds from now", integer)
		.option("--metadata <key=value>", "repeat for more pairs", pair, {})
		.option("--idempotency-key <key>", "the same key again returns the same task")
		.option("--watch", "follow it to its end with a progress bar (exit 0, 1 or 2)")
		.option("--wait", "poll until it ends (exit 0, 1 or 2)")
		.action(async (taskName, opts, command) => {
			const { client, json: asJson } = context(command);
			/** @type {import("../client/client.mjs").CreateTaskInput} */
			const input = { task_name: taskName };
			Object.assign(
				input,
				Object.fromEntries(
					Object.entries({
						payload: opts.payload,
						namespace: opts.namespace,
						priority: opts.priority,
						max_retries: opts.maxRetries,
						timeout_seconds: opts.timeout,
						delay_seconds: opts.delay,
						metadata: Object.keys(opts.metadata).length ? opts.metadata : undefined,
					}).filter(([, v]) => v !== undefined),
				),
			);
			const task = await client.createTask(input, { idempotencyKey: opts.idempotencyKey });
			if (opts.watch || opts.wait) {
				if (!asJson) {
					process.stdout.write(`created ${task.task_id}\n`);
				}
				setExitCode(await (opts.watch ? watchTask : waitTask)(client, task.task_id, { json: asJson }));
			} else if (asJson) {
				printJson(task);
			} else {
				printTable([row(task)], Object.keys(row(task)));
			}
		});

	tasks
		.command("get")
		.description("a task's current state")
		.argument("<task_id>")
		.action(async (taskId, _opts, command) => {
			const { client, json: asJson } = context(command);
			const task = await client.getTask(taskId);
			asJson ? printJson(task) : printTask(task);
		});

	tasks
		.command("list")
		.description("tasks, newest first")
		.option("--status <statuses>", "comma-separated statuses: COMPLETED,FAILED")
		.option("--type <task_type>")
		.option("--name <task_name>", "exact, or a prefix ending in *")
		.option("--namespace <name>")
		.option("--metadata <key=value>", "repeat for more pairs", pair, {})
		.option("--limit <n>", "at most this many tasks", integer, 20)
		.option("--all", "every matching task, page after page")
		.action(async (opts, command) => {
			const { client, json: asJson } = context(command);
			const filters = {
				status: opts.status,
				task_type: opts.type,
				task_name: opts.name,
				namespace: opts.namespace,
				metadata: opts.metadata,
				limit: Math.min(100, opts.limit),
			};
			/** @type {Task[]} */
			const found = [];
			for await (const task of client.listTasks(filters)) {
				found.push(task);
				if (!opts.all && found.length >= opts.limit) {
					break;
				}
			}
			asJson ? printJson(found) : printTable(found.map(row), ["task_id", "task_name", "status", "progress", "created_at", "duration"]);
		});

	tasks
		.command("watch")
		.description("follow a task live to its end (exit 0 COMPLETED, 1 FAILED or CANCELED, 2 COMPLETED_WITH_ERRORS)")
		.argument("<task_id>")
		.action(async (taskId, _opts, command) => {
			const { client, json: asJson } = context(command);
			setExitCode(await watchTask(client, taskId, { json: asJson }));
		});

	tasks
		.command("wait")
		.description("poll until a task ends (exit codes as watch)")
		.argument("<task_id>")
		.option("--timeout <seconds>", "give up after this long (exit 3)", positiveInteger)
		.action(async (taskId, opts, command) => {
			const { client, json: asJson } = context(command);
			setExitCode(await waitTask(client, taskId, { json: asJson, timeout: opts.timeout }));
		});

	tasks
		.command("cancel")
		.description("cancel a live task (soft: the runner is asked to stop)")
		.argument("<task_id>")
		.option("--hard", "CANCELED at once; the runner's signal aborts")
		.option("--grace <seconds>", "soft: escalate to hard after this long", integer)
		.action(async (taskId, opts, command) => {
			const { client, json: asJson } = context(command);
			const task = await client.cancel(taskId, { mode: opts.hard ? "hard" : undefined, grace_seconds: opts.grace });
			asJson ? printJson(task) : printTable([row(task)], Object.keys(row(task)));
		});

	tasks
		.command("retry")
		.description("run a FAILED or CANCELED task again")
		.argument("<task_id>")
		.option("--reset-attempts", "start counting retries from zero")
		.action(async (taskId, opts, command) => {
			const { client, json: asJson } = context(command);
			const task = await client.retry(taskId, opts.resetAttempts ? { reset_attempts: true } : {});
			asJson ? printJson(task) : printTable([row(task)], Object.keys(row(task)));
		});

	tasks
		.command("events")
		.description("a task's transitions and log lines, oldest first")
		.argument("<task_id>")
		.action(async (taskId, _opts, command) => {
			const { client, json: asJson } = context(command);
			const events = await client.events(taskId);
			const rows = events.map((e) => ({ ...e, change: e.to_status ? `${e.from_status ?? ""} → ${e.to_status}` : "" }));
			asJson ? printJson(events) : printTable(rows, ["seq", "at", "type", "change", "message"]);
		});

	return tasks;
}
