// `npm run bench [-- --tasks N --concurrency C --events-sample K --pull-tasks P --webhook-tasks W --push-tasks H --recovery-tasks R
//   --skip-push --skip-recovery --skip-queries --rows 100000,1000000 --query-requests Q --keep --wrangler-log-level info]`:
// runs taskplane under `wrangler dev` (ports 8820-8829) on a fresh state folder in .bench/,
// measures the task lifecycle and its billable operations, dispatch, pull and push throughput, webhook deliveries,
// the recovery after a SIGKILL mid-burst (its own server and state), then the list and stats
// queries over seeded history, and prints one JSON line on stdout. Progress goes to stderr;
// wrangler's own output to .bench/wrangler.log.
import { closeSync, openSync, rmSync } from "node:fs";
import { availableParallelism } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { runDispatch } from "./bench/dispatch.mjs";
import { idleCreateMs, readAll, runLifecycle } from "./bench/lifecycle.mjs";
import { probeCeiling, probeIdleMs, writeProbeConfig } from "./bench/probe.mjs";
import { runPull } from "./bench/pull.mjs";
import { runPush } from "./bench/push.mjs";
import { QUERIES, seedTo, servedQueries, timeQueries } from "./bench/queries.mjs";
import { runRecovery } from "./bench/recovery.mjs";
import { runWebhooks } from "./bench/webhooks.mjs";
import { applyMigrations, ensureDir, startDevServer } from "./dev-server.mjs";

const { values: options } = parseArgs({
	options: {
		tasks: { type: "string", default: "2000" },
		concurrency: { type: "string", default: "50" },
		"events-sample": { type: "string", default: "100" },
		"dispatch-tasks": { type: "string", default: "500" },
		"pull-tasks": { type: "string", default: "1000" },
		"push-tasks": { type: "string", default: "400" },
		"recovery-tasks": { type: "string", default: "100" },
		"skip-push": { type: "boolean", default: false },
		"skip-recovery": { type: "boolean", default: false },
		"webhook-tasks": { type: "string", default: "300" },
		"probe-objects": { type: "string", default: "2000" },
		"skip-queries": { type: "boolean", default: false },
		rows: { type: "string", default: "100000,1000000" },
		"query-requests": { type: "string", default: "200" },
		keep: { type: "boolean", default: false },
		"wrangler-log-level": { type: "string", default: "warn" },
	},
});
const positive = (name) => {
	const n = Number(options[name]);
	if (!Number.isInteger(n) || n < 1) {
		throw new Error(`--${name} must be a positive integer`);
	}
	return n;
};
const tasks = positive("tasks");
const concurrency = positive("concurrency");
const eventsSample = positive("events-sample");
const dispatchTasks = positive("dispatch-tasks");
const pullTasks = positive("pull-tasks");
const pushTasks = positive("push-tasks");
const recoveryTasks = positive("recovery-tasks");
const webhookTasks = positive("webhook-tasks");
const probeObjects = positive("probe-objects");
const queryRequests = positive("query-requests");
const rowCounts = options.rows.split(",").map(Number);
if (rowCounts.some((n) => !Number.isInteger(n) || n < 1)) {
	throw new Error("--rows takes positive integers separated by commas, e.g. 100000,1000000");
}

const BENCH_DIR = ensureDir(path.resolve(import.meta.dirname, "..", ".bench"));
const STATE = process.env.BENCH_STATE ?? path.join(BENCH_DIR, "state");
const LOG_FILE = path.join(BENCH_DIR, "wrangler.log");
/** `BENCH_PORTS=8900-8909` moves the server elsewhere, so worktrees bench side by side (as E2E_PORTS). */
const PORTS = (process.env.BENCH_PORTS ?? "8820-8829").split("-").map(Number);
/** BullMQ + Redis on this kind of machine: no-op jobs completed per second with 50 in flight. */
const BULLMQ_JOBS_PER_S = 2000;
const CONFIG = writeProbeConfig(path.resolve(import.meta.dirname, ".."));
const log = (line) => process.stderr.write(`bench: ${line}\n`);

async function withServer(work) {
	const server = await startDevServer({
		ports: PORTS,
		persistTo: STATE,
		logFile: LOG_FILE,
		logLevel: options["wrangler-log-level"],
		config: CONFIG,
	});
	try {
		return await work(server.url, server.port);
	} finally {
		await server.stop();
	}
}

async function main() {
	rmSync(STATE, { recursive: true, force: true });
	rmSync(LOG_FILE, { force: true });
	const logFd = openSync(LOG_FILE, "a");
	applyMigrations(STATE, logFd);
	closeSync(logFd);
	log(`wrangler dev on a fresh state in ${path.relative(process.cwd(), STATE)}; ${tasks} tasks at concurrency ${concurrency}`);
	const { lifecycle, dispatch, pull, push, webhooks, ceiling, idleProbe, served } = await withServer(async (url, serverPort) => {
		const measured = await runLifecycle({ url, tasks, concurrency, eventsSample, log });
		return {
			lifecycle: { ...measured, idle_create_ms: await idleCreateMs(url, 100, log) },
			dispatch: await runDispatch({ url, tasks: dispatchTasks, concurrency, readAll, log }),
			pull: await runPull({ url, tasks: pullTasks, concurrency, readAll, log }),
			push: options["skip-push"] ? null : await runPush({ url, serverPort, ports: PORTS, tasks: pushTasks, concurrency, readAll, log }),
			webhooks: await runWebhooks({ url, tasks: webhookTasks, concurrency, log }),
			// Last, so its objects' alarms and storage do not weigh on the phases above.
			ceiling: await probeCeiling(url, probeObjects, concurrency),
			idleProbe: await probeIdleMs(url, 100),
			served: await servedQueries(url),
		};
	});
	log(`runtime ceiling: ${ceiling} new objects/s at concurrency ${concurrency}`);
	const runtime = {
		ceiling_objects_per_s: ceiling,
		completed_fraction_of_ceiling: Math.round((lifecycle.completed_per_s / ceiling) * 1000) / 1000,
		// One new object created and written, one at a time: the floor under an idle create.
		idle_object_ms: idleProbe,
		bullmq_jobs_per_s: BULLMQ_JOBS_PER_S,
	};

	const recovery = options["skip-recovery"]
		? null
		: await runRecovery({
				ports: PORTS,
				state: path.join(BENCH_DIR, "recovery-state"),
				logFile: LOG_FILE,
				logLevel: options["wrangler-log-level"],
				config: CONFIG,
				tasks: recoveryTasks,
				log,
			});

	let queries = null;
	if (!options["skip-queries"] && served.length === 0) {
		log("no list or stats routes in this build: their figures are null");
		const none = Object.fromEntries(Object.keys(QUERIES).map((name) => [name, null]));
		queries = Object.fromEntries(rowCounts.map((rows) => [rows, { seed_ms: null, ...none }]));
	} else if (!options["skip-queries"]) {
		queries = {};
		// Seeded with the server stopped: wrangler's local D1 is a SQLite file one process should own.
		for (const rows of [...rowCounts].sort((a, b) => a - b)) {
			const seedMs = seedTo(STATE, rows, log);
			queries[rows] = { seed_ms: seedMs, ...(await withServer((url) => timeQueries(url, queryRequests, log))) };
		}
	}

	const result = {
		tasks,
		concurrency,
		...lifecycle,
		runtime,
		dispatch,
		pull,
		push,
		recovery,
		webhooks,
		queries,
		machine: { cpus: availableParallelism(), node: process.version },
	};
	process.stdout.write(`${JSON.stringify(result)}\n`);
	if (!options.keep) {
		rmSync(STATE, { recursive: true, force: true });
		rmSync(path.join(BENCH_DIR, "recovery-state"), { recursive: true, force: true });
	}
}

main().catch((error) => {
	log(error instanceof Error ? (error.stack ?? error.message) : String(error));
	process.exitCode = 1;
});
