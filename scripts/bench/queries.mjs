// The history phase: seed the local D1 `tasks` table with many rows in one INSERT … SELECT
// (a recursive CTE generates them, varied in status, type, namespace, age and metadata, for
// tenant `dev`), then time the list and stats endpoints over it. Endpoints that do not exist
// yet (404, or 405 where only POST /v1/tasks is routed) report null.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { runWrangler } from "../dev-server.mjs";
import { fetchJson, summary, timedFetch, UsageMeter } from "./measure.mjs";

export const QUERIES = {
	list: "/v1/tasks?limit=50",
	list_status: "/v1/tasks?status=COMPLETED&limit=50",
	list_type_24h: "/v1/tasks?task_type=etl&hours_ago=24",
	stats: "/v1/tasks/stats",
};

const TYPES = [
	["etl", "etl.process_etl_file", "ETL Pipeline"],
	["email", "email.send_digest", "Email"],
	["ml_training", "ml_training.fit_model", "ML Training"],
	["embedding", "embedding.generate", "Embedding"],
	["import_template", "import_template.apply", "Import Template"],
	["integration_rule", "integration_rule.run", "Integration Rule"],
	["reconciliation", "reconciliation.daily", "Reconciliation"],
	["demo", "demo.sleep", "Demo"],
];
/** Out of 100: mostly finished work, some failures, a few live tasks. */
const STATUSES = [
	["COMPLETED", 70],
	["FAILED", 10],
	["CANCELED", 5],
	["COMPLETED_WITH_ERRORS", 3],
	["PROCESSING", 5],
	["PENDING", 4],
	["QUEUED", 3],
];
const WINDOW_MS = 30 * 86_400_000;

function caseOf(expr, values) {
	return `CASE ${expr} ${values.map((v, i) => `WHEN ${i} THEN '${v}'`).join(" ")} END`;
}

/** Column `i` of TYPES (category, task name, display name), chosen by the row number. */
const typeColumn = (i) =>
	caseOf(
		"(x % 8)",
		TYPES.map((t) => t[i]),
	);

function statusCase(expr) {
	let upTo = 0;
	const whens = STATUSES.map(([status, share]) => {
		upTo += share;
		return `WHEN ${expr} < ${upTo} THEN '${status}'`;
	});
	return `CASE ${whens.join(" ")} END`;
}

const iso = (ms) => `strftime('%Y-%m-%dT%H:%M:%fZ', (${ms}) / 1000.0, 'unixepoch')`;

/**
 * One statement inserting rows `from`+1 … `from`+`count`, spread evenly over the last 30 days.
 * Ascending created_at makes ascending task ids (UUIDv7 starts with the time), so every index
 * grows at its end: seeding a million rows takes a minute rather than several.
 */
export function seedSql(from, count, now = Date.now()) {
	const terminal = "status IN ('COMPLETED','FAILED','CANCELED','COMPLETED_WITH_ERRORS')";
	const rows = `SELECT x, created, status, type, name, display, ns, company, priority,
		CASE WHEN ${terminal} THEN created + dur END AS completed,
		CASE WHEN ${terminal} THEN dur / 1000.0 END AS duration,
		CASE status WHEN 'FAILED' THEN 4 ELSE 1 END AS attempt
		FROM (SELECT x, ${now - WINDOW_MS} + (x - ${from}) * ${Math.floor(WINDOW_MS / count)} AS created,
			${statusCase("((x * 37) % 100)")} AS status,
			${typeColumn(0)} AS type,
			${typeColumn(1)} AS name,
			${typeColumn(2)} AS display,
			CASE (x / 8) % 4 WHEN 0 THEN 'default' ELSE 'ns-' || ((x / 8) % 4) END AS ns,
			CAST((x / 3) % 50 AS TEXT) AS company, x % 3 AS priority, 1000 + (x * 7919) % 600000 AS dur
			FROM (WITH RECURSIVE c(x) AS (SELECT ${from + 1} UNION ALL SELECT x + 1 FROM c WHERE x < ${from + count}) SELECT x FROM c))`;
	const id = "printf('%08x-%04x-7%03x-8%03x-%012x', created / 65536, created % 65536, (x / 4096) % 4096, x % 4096, x)";
	const snapshot = `json_object('task_id', ${id}, 'task_name', name, 'task_type', type, 'task_type_display', display,
		'namespace', ns, 'status', status, 'priority', priority, 'payload', json_object('file', 'f' || x || '.csv'),
		'result', CASE WHEN status = 'COMPLETED' THEN json_object('rows', x % 1000) END,
		'error_code', CASE status WHEN 'FAILED' THEN 'HANDLER_ERROR' END,
		'error_message', CASE status WHEN 'FAILED' THEN 'upstream refused the file' END,
		'errors', json_array(), 'progress', NULL, 'attempt', attempt, 'retry_count', attempt - 1, 'max_retries', 3,
		'timeout_seconds', 1800, 'run_at', NULL, 'created_at', ${iso("created")}, 'queued_at', ${iso("created")},
		'started_at', CASE WHEN status NOT IN ('PENDING','QUEUED') THEN ${iso("created + 5")} END,
		'completed_at', CASE WHEN completed IS NOT NULL THEN ${iso("completed")} END, 'duration_seconds', duration,
		'cancel_requested', json('false'), 'metadata', json_object('company_id', company), 'created_by', 'seed',
		'idempotency_key', NULL, 'version', 4)`;
	return `INSERT INTO tasks (task_id, tenant_id, task_name, task_type, namespace, status, priority, attempt, retry_count,
		error_code, created_by, created_at, completed_at, duration_seconds, metadata, snapshot, version)
		SELECT ${id}, 'dev', name, type, ns, status, priority, attempt, attempt - 1,
		CASE status WHEN 'FAILED' THEN 'HANDLER_ERROR' END, 'seed', created, completed, duration,
		json_object('company_id', company), ${snapshot}, 4 FROM (${rows})`.replace(/\s+/g, " ");
}

function d1(persistTo, sql) {
	return JSON.parse(runWrangler(["d1", "execute", "DB", "--local", "--persist-to", persistTo, "--json", "--command", sql]));
}

function tableState(persistTo) {
	const sql = `SELECT count(*) AS rows, coalesce(max(rowid), 0) AS last_rowid,
		(SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'task_metadata') AS has_metadata,
		(SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'task_stats_hourly') AS has_rollup FROM tasks`;
	return d1(persistTo, sql.replace(/\s+/g, " "))[0].results[0];
}

/**
 * Seeds until the table holds `target` rows; returns how long the insert took. Where the schema
 * keeps metadata in its own index table (task_metadata), the new rows get theirs too.
 */
export function seedTo(persistTo, target, log) {
	const state = tableState(persistTo);
	if (state.rows >= target) {
		return 0;
	}
	const statements = [seedSql(state.rows, target - state.rows)];
	if (state.has_metadata) {
		statements.push(`INSERT OR IGNORE INTO task_metadata (tenant_id, key, value, created_at, task_id)
			SELECT tenant_id, 'company_id', json_extract(metadata, '$.company_id'), created_at, task_id FROM tasks
			WHERE rowid > ${state.last_rowid} AND created_by = 'seed'`);
	}
	if (state.has_rollup) {
		// The statistics rollup, rebuilt by the migration that backfills it on deploy.
		statements.push("DELETE FROM task_stats_hourly", rollupBackfillSql());
	}
	const started = performance.now();
	d1(persistTo, statements.join("; ").replace(/\s+/g, " "));
	const ms = Math.round(performance.now() - started);
	log(`seeded ${target - state.rows} rows (now ${target}) in ${ms} ms`);
	return ms;
}

/** The rollup statement of the latest migration that backfills it (it also holds others). */
function rollupBackfillSql() {
	const dir = path.resolve(import.meta.dirname, "..", "..", "migrations");
	const file = readdirSync(dir)
		.filter((name) => name.endsWith("_stats_rollup_backfill.sql"))
		.sort()
		.at(-1);
	return readFileSync(path.join(dir, file), "utf8")
		.replace(/--[^\n]*\n/g, "")
		.split(/;\s*\n/)
		.find((statement) => statement.trim().startsWith('insert into "task_stats_hourly"'))
		.trim()
		.replace(/;$/, "");
}

const missing = (status) => status === 404 || status === 405;

/** Which of QUERIES this build serves: before the history routes land they answer 404 or 405. */
export async function servedQueries(url) {
	const served = [];
	for (const [name, path] of Object.entries(QUERIES)) {
		if (!missing((await fetchJson(`${url}${path}`)).status)) {
			served.push(name);
		}
	}
	return served;
}

/** A slow query gets fewer samples (at least MIN_REQUESTS) so the bench stays within minutes. */
const QUERY_BUDGET_MS = 20_000;
const MIN_REQUESTS = 20;

/** p50/p99 of `requests` sequential GETs of each query, and D1 rows read per request. */
export async function timeQueries(url, requests, log) {
	const meter = new UsageMeter(url);
	const figures = {};
	for (const [name, path] of Object.entries(QUERIES)) {
		const probe = await fetchJson(`${url}${path}`);
		if (missing(probe.status)) {
			figures[name] = null;
			continue;
		}
		if (probe.status !== 200) {
			throw new Error(`GET ${path} answered ${probe.status}: ${JSON.stringify(probe.body)}`);
		}
		for (let i = 0; i < 3; i++) {
			await timedFetch(`${url}${path}`).then((r) => r.arrayBuffer());
		}
		const before = await meter.read();
		const times = [];
		const budgetEnd = performance.now() + QUERY_BUDGET_MS;
		for (let i = 0; i < requests && (i < MIN_REQUESTS || performance.now() < budgetEnd); i++) {
			const sent = performance.now();
			const response = await timedFetch(`${url}${path}`);
			await response.arrayBuffer();
			times.push(performance.now() - sent);
		}
		const after = await meter.read();
		// null while the history queries do not count the rows they read.
		const rowsRead = after.d1_rows_read - before.d1_rows_read;
		const perRequest = rowsRead > 0 ? Math.round(rowsRead / times.length) : null;
		figures[name] = { ...summary(times), requests: times.length, d1_rows_read_per_request: perRequest };
		log(`${name} ${path}: p50 ${figures[name].p50} ms, p99 ${figures[name].p99} ms`);
	}
	return figures;
}
