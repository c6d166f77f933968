// The local runtime's ceiling: new Durable Objects created and written (one row each) per second
// at the bench's concurrency, through the same Worker — what taskplane, one object per task, can
// at best approach on this machine. The bench runs a build with the probe bound (probe-worker.ts)
// from a config generated here, so wrangler.toml stays as deployed.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fetchJson, pool, summary } from "./measure.mjs";

const ROOT = path.resolve(import.meta.dirname, "..", "..");

/** Writes the bench's wrangler config into `dir` (paths made relative to it) and returns its path. */
export function writeProbeConfig(dir) {
	const up = path.relative(dir, ROOT) || ".";
	const base = readFileSync(path.join(ROOT, "wrangler.toml"), "utf8")
		.replace(/^main = ".*"$/m, `main = "${up}/scripts/bench/probe-worker.ts"`)
		.replace(/^migrations_dir = "(.*)"$/m, (_m, dir) => `migrations_dir = "${up}/${dir}"`);
	const probe = `
[[durable_objects.bindings]]
name = "PROBE"
class_name = "ProbeObject"

[[migrations]]
tag = "bench-probe"
new_sqlite_classes = ["ProbeObject"]
`;
	const file = path.join(dir, "wrangler.bench.toml");
	writeFileSync(file, base + probe);
	return file;
}

/** Creates `count` objects at `concurrency`; answers objects per second. */
export async function probeCeiling(url, count, concurrency) {
	const started = performance.now();
	await pool(Array.from({ length: count }), concurrency, async () => {
		const { status, body } = await fetchJson(`${url}/__probe`, { method: "POST" });
		if (status !== 200 || body.written !== 1) {
			throw new Error(`POST /__probe answered ${status}: ${JSON.stringify(body)}`);
		}
	});
	return Math.round((count / ((performance.now() - started) / 1000)) * 10) / 10;
}

/**
 * The same probe one at a time: the latency of creating and writing one new object when nothing
 * else runs, beside which taskplane's idle create (one new object, one write) is read.
 */
export async function probeIdleMs(url, count) {
	const times = [];
	for (let i = 0; i < count; i++) {
		const sent = performance.now();
		const { status } = await fetchJson(`${url}/__probe`, { method: "POST" });
		if (status !== 200) {
			throw new Error(`POST /__probe answered ${status}`);
		}
		times.push(performance.now() - sent);
	}
	return summary(times);
}
