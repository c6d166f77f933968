/**
 * Prometheus text exposition (format 0.0.4): a tenant's, or with the admin token the whole
 * service's (every series labelled `tenant`). The `_total` counters and the duration histogram
 * are counted as history receives each transition (history/counters.ts), so they only grow:
 * retention and retries never lower them. `taskplane_tasks` is a gauge over retained history
 * (one grouped read of the status index per scrape: scrape every minute or so).
 */

import type { NamespaceStatus } from "../dispatch/namespace-object";
import { type CounterRow, readCounters } from "../history/counters";
import { historyDb } from "../history/db";
import { findAllNamespaces, findNamespaces } from "../history/namespaces";
import { METRICS_BUCKETS } from "../history/schema";
import { tasksByStatus } from "../history/stats";
import { TASK_STATUSES } from "../task/task";
import { namespaceStatus } from "./namespaces";

const escapeLabel = (value: string) => value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
const labels = (pairs: Record<string, string>) =>
	`{${Object.entries(pairs)
		.map(([k, v]) => `${k}="${escapeLabel(v)}"`)
		.join(",")}}`;

function family(name: string, type: "gauge" | "counter" | "histogram", help: string, samples: string[]): string[] {
	return [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...samples];
}

/**
 * The namespaces a scrape reports on: one status request to each NamespaceObject, so a scrape
 * asks at most this many (a tenant's first ones by name; service-wide, the first by tenant and name).
 */
const MAX_SCRAPED_NAMESPACES = 200;

/**
 * Gauges of ready and running tasks per namespace (`taskplane_namespace_ready_tasks`,
 * `taskplane_namespace_running_tasks`; labels `namespace` and, service-wide, `tenant`), read
 * from the NamespaceObjects, which own those counts.
 */
async function dispatchFamilies(env: Env, tenant: string | null): Promise<string[]> {
	const db = historyDb(env.DB);
	const scraped =
		tenant === null
			? await findAllNamespaces(db, MAX_SCRAPED_NAMESPACES)
			: (await findNamespaces(db, tenant, MAX_SCRAPED_NAMESPACES)).map((namespace) => ({ tenant, namespace }));
	const statuses = await Promise.all(scraped.map(async (n) => ({ ...n, status: await namespaceStatus(env, n.tenant, n.namespace) })));
	const gauge = (name: string, help: string, pick: (s: NamespaceStatus) => number) =>
		family(
			name,
			"gauge",
			help,
			statuses.map(
				(s) => `${name}${labels({ ...(tenant === null ? { tenant: s.tenant } : {}), namespace: s.namespace })} ${pick(s.status)}`,
			),
		);
	return [
		...gauge("taskplane_namespace_ready_tasks", "Tasks waiting in the namespace's ready set.", (s) => s.ready),
		...gauge("taskplane_namespace_running_tasks", "Attempts holding one of the namespace's slots.", (s) => s.running),
	];
}

const COUNTERS = [
	["created", "taskplane_tasks_created_total", "Tasks created."],
	["completed", "taskplane_tasks_completed_total", "Attempts that ended COMPLETED or COMPLETED_WITH_ERRORS."],
	["failed", "taskplane_tasks_failed_total", "Attempts that ended FAILED (a manual retry that fails again counts again)."],
	["canceled", "taskplane_tasks_canceled_total", "Tasks that ended CANCELED."],
] as const;

/** `tenant` null: the service-wide scrape, every tenant's series labelled with it. */
export async function renderMetrics(env: Env, tenant: string | null): Promise<string> {
	const db = historyDb(env.DB);
	const [counters, gauges, dispatch] = await Promise.all([
		readCounters(db, tenant),
		tasksByStatus(db, tenant),
		dispatchFamilies(env, tenant),
	]);
	const who = (row: { tenant_id: string }): Record<string, string> => (tenant === null ? { tenant: row.tenant_id } : {});
	const series = (row: CounterRow, extra: Record<string, string> = {}) => labels({ ...who(row), type: row.task_type, ...extra });
	const counted = (pick: (row: CounterRow) => number | string) => counters.map((row) => `${series(row)} ${pick(row)}`);

	const lines = [
		...family(
			"taskplane_tasks",
			"gauge",
			"Tasks in retained history by status and type.",
			[...new Set(gauges.map((g) => `${g.tenant_id}\u0000${g.task_type}`))].flatMap((key) => {
				const [tenantId = "", type = ""] = key.split("\u0000");
				const of = (status: string) =>
					gauges.find((g) => g.tenant_id === tenantId && g.task_type === type && g.status === status)?.count ?? 0;
				return TASK_STATUSES.map((status) => `taskplane_tasks${labels({ ...who({ tenant_id: tenantId }), status, type })} ${of(status)}`);
			}),
		),
		...COUNTERS.flatMap(([column, name, help]) =>
			family(
				name,
				"counter",
				help,
				counted((row) => row[column]).map((s) => `${name}${s}`),
			),
		),
		...family(
			"taskplane_task_duration_seconds",
			"histogram",
			"Run time of finished attempts, start to finish.",
			counters.flatMap((row) => [
				...METRICS_BUCKETS.map(
					(le, i) =>
						`taskplane_task_duration_seconds_bucket${series(row, { le: String(le) })} ${(row as Record<string, unknown>)[`le${i}`]}`,
				),
				`taskplane_task_duration_seconds_bucket${series(row, { le: "+Inf" })} ${row.duration_count}`,
				`taskplane_task_duration_seconds_sum${series(row)} ${row.duration_sum}`,
				`taskplane_task_duration_seconds_count${series(row)} ${row.duration_count}`,
			]),
		),
		...dispatch,
	];
	return `${lines.join("\n")}\n`;
}
