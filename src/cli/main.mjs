// @ts-check
/**
 * The `taskplane` command (bin/taskplane.mjs), on commander. Settings: --url and --api-key, else
 * TASKPLANE_URL and TASKPLANE_API_KEY, else http://localhost:8787 and no key (keyless local
 * development). Exit codes: 0 done (watch/wait: COMPLETED), 1 FAILED or CANCELED,
 * 2 COMPLETED_WITH_ERRORS, 3 an error from the service or the network (with --json, the
 * problem+json as one line on stderr), 64 a usage error.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { TaskplaneClient, TaskplaneError, TaskplaneWaitTimeout } from "../client/client.mjs";
import { EXIT } from "./output.mjs";
import { serviceCommands } from "./service.mjs";
import { tasksCommand } from "./tasks.mjs";

/** @param {TaskplaneError} error */
function describe(error) {
	const fields = error.errors.map((e) => `\n  ${e.path}: ${e.message}`).join("");
	return `taskplane: ${error.status} ${error.code}: ${error.detail ?? error.title ?? error.message}${fields}\n`;
}

/** `--url`: an http(s) URL, else a usage error (exit 64) rather than a failed request (3). @param {string} value */
function serviceUrl(value) {
	let url;
	try {
		url = new URL(value);
	} catch {
		throw new InvalidArgumentError("not a URL (e.g. http://localhost:8787)");
	}
	if (url.protocol !== "http:" && url.protocol !== "https:") {
		throw new InvalidArgumentError("must be an http:// or https:// URL");
	}
	return value;
}

/**
 * Runs the CLI with `argv` (as process.argv) and resolves to its exit code.
 * @param {string[]} argv @returns {Promise<number>}
 */
export async function main(argv) {
	let exitCode = 0;
	const program = new Command("taskplane")
		.description("taskplane from the command line: tasks, statistics, keys and pull workers")
		.addOption(
			new Option("--url <url>", "the service (env TASKPLANE_URL)")
				.default(process.env.TASKPLANE_URL || "http://localhost:8787")
				.argParser(serviceUrl),
		)
		// No default value here: commander would print the key in --help.
		.option("--api-key <key>", "a key, sent as Bearer (env TASKPLANE_API_KEY)")
		.option("--json", "JSON for scripts instead of tables")
		.exitOverride();
	/** @param {Command} command */
	const context = (command) => {
		const opts = command.optsWithGlobals();
		const apiKey = opts.apiKey ?? (process.env.TASKPLANE_API_KEY || undefined);
		return { client: new TaskplaneClient({ baseUrl: opts.url, apiKey }), json: Boolean(opts.json) };
	};
	program.addCommand(tasksCommand(context, (code) => (exitCode = code)));
	for (const command of serviceCommands(context)) {
		program.addCommand(command);
	}
	for (const command of [program, ...program.commands, ...program.commands.flatMap((c) => c.commands)]) {
		command.exitOverride();
	}
	try {
		await program.parseAsync(argv);
		return exitCode;
	} catch (error) {
		if (error instanceof CommanderError) {
			return error.exitCode === 0 ? 0 : EXIT.USAGE;
		}
		if (error instanceof TaskplaneError && program.opts().json) {
			// A script reads the problem+json itself: one JSON line, as the service wrote it.
			process.stderr.write(`${JSON.stringify(error.problem ?? { status: error.status, code: error.code, detail: error.detail })}\n`);
		} else if (error instanceof TaskplaneError) {
			process.stderr.write(describe(error));
		} else if (error instanceof TaskplaneWaitTimeout) {
			process.stderr.write(`taskplane: ${error.message}\n`);
		} else {
			const cause = /** @type {{cause?: {code?: string}}} */ (error).cause?.code;
			process.stderr.write(`taskplane: ${error instanceof Error ? error.message : String(error)}${cause ? ` (${cause})` : ""}\n`);
		}
		return EXIT.ERROR;
	}
}
