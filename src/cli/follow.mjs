// @ts-check
/**
 * `tasks watch` and `tasks wait`: follow a task to its end and exit with a code a script can
 * use. Watch shows a live progress bar (cli-progress) on a terminal, a line per change
 * otherwise, and JSON lines (one per stream event) with --json.
 */
import cliProgress from "cli-progress";
import { isTerminal } from "../client/client.mjs";
import { exitCodeOf, printJson, printRecord, progressText } from "./output.mjs";

/** @typedef {import("../client/client.mjs").TaskplaneClient} TaskplaneClient */
/** @typedef {import("../client/client.mjs").Task} Task */

/** The last lines people see: how the task ended. @param {Task} task */
function printEnd(task) {
	const line = { status: task.status, task_id: task.task_id, duration_seconds: task.duration_seconds };
	if (task.status === "COMPLETED" || task.status === "COMPLETED_WITH_ERRORS") {
		printRecord({ ...line, result: task.result, errors: task.errors });
	} else {
		printRecord({ ...line, error_code: task.error_code, error_message: task.error_message });
	}
}

/**
 * Follows the task's stream to its end; resolves to the exit code.
 * @param {TaskplaneClient} client @param {string} taskId @param {{json?: boolean}} options @returns {Promise<number>}
 */
export async function watchTask(client, taskId, options) {
	const tty = Boolean(process.stdout.isTTY) && !options.json;
	const bar = tty
		? new cliProgress.SingleBar(
				{ format: "{bar} {percentage}% | {status} | {message}", hideCursor: true, clearOnComplete: false },
				cliProgress.Presets.shades_classic,
			)
		: null;
	/** @type {Task | null} */
	let last = null;
	let status = "";
	let message = "";
	let percent = 0;
	let shown = "";
	const show = () => {
		const line = `${status} ${progressText({ percent })} ${message}`.replace(/ +/g, " ").trim();
		if (bar) {
			bar.update(percent, { status, message });
		} else if (!options.json && line !== shown) {
			process.stdout.write(`${line}\n`);
		}
		shown = line;
	};
	bar?.start(100, 0, { status: "…", message: "" });
	try {
		for await (const event of client.watch(taskId)) {
			if (options.json) {
				process.stdout.write(`${JSON.stringify(event)}\n`);
			}
			if (event.event === "snapshot") {
				last = event.data;
				status = last.status;
				percent = last.progress?.percent ?? percent;
				message = last.progress?.message ?? message;
			} else if (event.event === "status" && event.data.to_status) {
				status = event.data.to_status;
			} else if (event.event === "progress") {
				percent = event.data.progress?.percent ?? percent;
				message = event.data.progress?.message ?? message;
			} else if (event.event === "log") {
				message = event.data.message;
			}
			show();
		}
	} finally {
		bar?.stop();
	}
	// A resumed stream of a finished task may end without a final snapshot: ask once.
	const task = last && isTerminal(last.status) ? last : await client.getTask(taskId);
	if (!options.json) {
		printEnd(task);
	}
	return isTerminal(task.status) ? exitCodeOf(task.status) : 3;
}

/**
 * Polls (`waitForTask`) until the task ends; resolves to the exit code.
 * @param {TaskplaneClient} client @param {string} taskId @param {{json?: boolean, timeout?: number}} options @returns {Promise<number>}
 */
export async function waitTask(client, taskId, options) {
	const task = await client.waitForTask(taskId, { timeoutMs: options.timeout === undefined ? undefined : options.timeout * 1000 });
	if (options.json) {
		printJson(task);
	} else {
		printEnd(task);
	}
	return exitCodeOf(task.status);
}
