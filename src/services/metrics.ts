/**
 * Prometheus text exposition (format 0.0.4) of a tenant's history: one aggregate query per
 * scrape. It reads every retained row of the tenant, so scrape every minute or so, not every
 * second. Counts come from retained history: when retention deletes rows the `_total` series
 * drop, which Prometheus treats as a counter reset.
 */
import { historyDb } from "../history/db";
import { DURATION_BUCKETS, taskMetrics } from "../history/stats";
import { COMPLETED_STATUSES, TASK_STATUSES } from "../task/task";

const label = (value: string) => value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");

function family(name: string, type: "gauge" | "counter" | "histogram", help: string, samples: string[]): string[] {
	return [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...samples];
}

export async function renderMetrics(env: Env, tenant: string): Promise<string> {
	const rows = await taskMetrics(historyDb(env.DB), tenant);
	const types = [...new Set(rows.map((r) => r.task_type))].sort();
	const countOf = (type: string, statuses: readonly string[]) =>
		rows.filter((r) => r.task_type === type && statuses.includes(r.status)).reduce((n, r) => n + r.count, 0);
	const perType = (metric: string, statuses: readonly string[]) =>
		types.map((type) => `${metric}{type="${label(type)}"} ${countOf(type, statuses)}`);

	const lines = [
		...family(
			"taskplane_tasks",
			"gauge",
			"Tasks in history by status and type.",
			types.flatMap((type) =>
				TASK_STATUSES.map((status) => `taskplane_tasks{status="${status}",type="${label(type)}"} ${countOf(type, [status])}`),
			),
		),
		...family(
			"taskplane_tasks_created_total",
			"counter",
			"Tasks created (retained history).",
			perType("taskplane_tasks_created_total", TASK_STATUSES),
		),
		...family(
			"taskplane_tasks_completed_total",
			"counter",
			"Tasks completed, with or without item errors (retained history).",
			perType("taskplane_tasks_completed_total", COMPLETED_STATUSES),
		),
		...family(
			"taskplane_tasks_failed_total",
			"counter",
			"Tasks failed (retained history).",
			perType("taskplane_tasks_failed_total", ["FAILED"]),
		),
		...family(
			"taskplane_task_duration_seconds",
			"histogram",
			"Run time of finished tasks, start to finish.",
			types.flatMap((type) => {
				const ofType = rows.filter((r) => r.task_type === type);
				const t = label(type);
				const sum = (pick: (r: (typeof rows)[number]) => number) => ofType.reduce((n, r) => n + pick(r), 0);
				return [
					...DURATION_BUCKETS.map(
						(le, i) => `taskplane_task_duration_seconds_bucket{type="${t}",le="${le}"} ${sum((r) => r.buckets[i] ?? 0)}`,
					),
					`taskplane_task_duration_seconds_bucket{type="${t}",le="+Inf"} ${sum((r) => r.duration_count)}`,
					`taskplane_task_duration_seconds_sum{type="${t}"} ${sum((r) => r.duration_sum)}`,
					`taskplane_task_duration_seconds_count{type="${t}"} ${sum((r) => r.duration_count)}`,
				];
			}),
		),
	];
	return `${lines.join("\n")}\n`;
}
