/** GET /metrics: Prometheus text exposition of the caller's history, behind the API's auth. */
import { env, exports } from "cloudflare:workers";
import { expect, it } from "vitest";
import { createApp } from "../src/app";
import { craftTask, seed } from "./helpers/history-seed";

/** Sample lines as name{labels} → value; fails on any line the 0.0.4 format would not accept. */
function parse(text: string): Map<string, number> {
	const samples = new Map<string, number>();
	for (const line of text.trimEnd().split("\n")) {
		if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) {
			continue;
		}
		const match = /^([a-z_]+(?:\{[^}]*\})?) (-?[0-9.e+]+)$/.exec(line);
		expect(match, line).not.toBeNull();
		samples.set(match?.[1] ?? "", Number(match?.[2]));
	}
	return samples;
}

it("exposes counts by status and type, totals and a duration histogram", async () => {
	await seed("dev", [
		craftTask({ task_name: "etl.load", status: "COMPLETED", duration_seconds: 0.05 }),
		craftTask({ task_name: "etl.load", status: "COMPLETED_WITH_ERRORS", duration_seconds: 4 }),
		craftTask({ task_name: "etl.load", status: "FAILED", duration_seconds: 400 }),
		craftTask({ task_name: "etl.load", status: "PROCESSING" }),
		craftTask({ task_name: "email.send", status: "PENDING" }),
	]);
	const res = await exports.default.fetch("http://x/metrics");
	expect(res.status).toBe(200);
	expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
	const text = await res.text();
	expect(text).toContain("# TYPE taskplane_tasks gauge\n");
	expect(text).toContain("# TYPE taskplane_tasks_created_total counter\n");
	expect(text).toContain("# TYPE taskplane_task_duration_seconds histogram\n");
	const m = parse(text);
	expect(m.get('taskplane_tasks{status="PROCESSING",type="etl"}')).toBe(1);
	expect(m.get('taskplane_tasks{status="SCHEDULED",type="etl"}')).toBe(0);
	expect(m.get('taskplane_tasks{status="PENDING",type="email"}')).toBe(1);
	expect(m.get('taskplane_tasks_created_total{type="etl"}')).toBe(4);
	expect(m.get('taskplane_tasks_completed_total{type="etl"}')).toBe(2);
	expect(m.get('taskplane_tasks_failed_total{type="etl"}')).toBe(1);
	expect(m.get('taskplane_task_duration_seconds_bucket{type="etl",le="0.1"}')).toBe(1);
	expect(m.get('taskplane_task_duration_seconds_bucket{type="etl",le="5"}')).toBe(2);
	expect(m.get('taskplane_task_duration_seconds_bucket{type="etl",le="300"}')).toBe(2);
	expect(m.get('taskplane_task_duration_seconds_bucket{type="etl",le="900"}')).toBe(3);
	expect(m.get('taskplane_task_duration_seconds_bucket{type="etl",le="+Inf"}')).toBe(3);
	expect(m.get('taskplane_task_duration_seconds_count{type="etl"}')).toBe(3);
	expect(m.get('taskplane_task_duration_seconds_sum{type="etl"}')).toBeCloseTo(404.05);
	expect(m.get('taskplane_task_duration_seconds_count{type="email"}')).toBe(0);
});

it("sits behind the same authentication as /v1", async () => {
	const res = await createApp().request("/metrics", {}, { ...env, ENVIRONMENT: undefined });
	expect(res.status).toBe(401);
	expect(res.headers.get("content-type")).toBe("application/problem+json");
});
