/// <reference types="vite/client" />
/**
 * The code's layering, read from the source (ARCHITECTURE.md § Layout): imports
 * flow api → services → task/dispatch/history/cache; the compat adapters are never imported by
 * the core; contract/ is plain zod; query numbers are never coerced; every header a route reads
 * passes the header check.
 */
import { describe, expect, it } from "vitest";
import { HEADERS_READ } from "../src/api/request-headers";

const sources: Record<string, string> = import.meta.glob<string>("../src/**/*.ts", { query: "?raw", import: "default", eager: true });
const files = Object.entries(sources).map(([path, text]) => ({ path: path.replace(/^\.\.\//, ""), text }));

/** The module each import or re-export of `file` names: a path under src/ for relative ones. */
function importsOf(file: { path: string; text: string }): string[] {
	const specifiers = [...file.text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+"([^"]+)"/gms)].map((m) => m[1] ?? "");
	return specifiers.map((spec) => {
		if (!spec.startsWith(".")) {
			return spec;
		}
		const parts = file.path.split("/").slice(0, -1);
		for (const segment of spec.split("/")) {
			if (segment === "..") {
				parts.pop();
			} else if (segment !== ".") {
				parts.push(segment);
			}
		}
		return parts.join("/");
	});
}

const imports = files.map((file) => ({ path: file.path, imports: importsOf(file) }));
const under = (dir: string) => (path: string) => path === dir || path.startsWith(`${dir}/`);

function offenders(from: (path: string) => boolean, to: (target: string) => boolean): string[] {
	return imports.flatMap((f) => (from(f.path) ? f.imports.filter(to).map((target) => `${f.path} → ${target}`) : []));
}

describe("layering", () => {
	it("reads the source it checks", () => {
		expect(files.length).toBeGreaterThan(50);
		expect(imports.find((f) => f.path === "src/app.ts")?.imports).toContain("src/api/compat");
	});

	it("the core never imports the compat adapters (only the app wires them in)", () => {
		const core = (path: string) => !under("src/api/compat")(path) && path !== "src/app.ts";
		expect(offenders(core, under("src/api/compat"))).toEqual([]);
	});

	it("routes reach history, the task objects and storage only through services", () => {
		const lower = ["src/history", "src/task/task-object.ts", "src/task/stub.ts", "src/cache", "src/dispatch"];
		expect(offenders(under("src/api"), (target) => lower.some((dir) => under(dir.replace(/\.ts$/, ""))(target)))).toEqual([]);
	});

	it("services, task, dispatch, history and cache never import routes; below services, nothing imports services", () => {
		// src/ui serves the dashboard's pages beside the routes (it registers them on the app).
		const belowApi = (path: string) =>
			!under("src/api")(path) && !under("src/ui")(path) && path !== "src/app.ts" && path !== "src/index.ts";
		expect(offenders(belowApi, under("src/api"))).toEqual([]);
		const belowServices = (path: string) =>
			["src/task", "src/dispatch", "src/history", "src/cache", "src/contract"].some((d) => under(d)(path));
		expect(offenders(belowServices, under("src/services"))).toEqual([]);
	});

	it("ui/ serves files only: it reaches no service, object or database (the pages call the public API)", () => {
		const allowed = (target: string) =>
			target === "hono" || target === "src/api/openapi" || target === "src/api/security" || target === "src/errors";
		expect(offenders(under("src/ui"), (target) => !allowed(target))).toEqual([]);
	});

	it("contract/ is plain zod: no hono, drizzle or platform imports", () => {
		const allowed = (target: string) => target === "zod" || under("src/contract")(target) || target === "src/task/task";
		expect(offenders(under("src/contract"), (target) => !allowed(target))).toEqual([]);
	});

	it("the SDK and CLI run outside the Worker: they take only types from contract/, nothing of the Worker at run time", () => {
		const clientSources: Record<string, string> = import.meta.glob<string>(["../src/client/*.mjs", "../src/cli/*.mjs", "../bin/*.mjs"], {
			query: "?raw",
			import: "default",
			eager: true,
		});
		const runtime = Object.entries(clientSources).flatMap(([path, text]) =>
			importsOf({ path: path.replace(/^\.\.\//, ""), text })
				.filter((target) => !/^(src\/(client|cli)\/|node:|eventsource-parser$|commander$|cli-progress$)/.test(target))
				.map((target) => `${path} → ${target}`),
		);
		expect(Object.keys(clientSources).length).toBeGreaterThan(5);
		expect(runtime).toEqual([]);
		const types = files.find((f) => f.path === "src/client/types.ts");
		expect(types?.text).not.toMatch(/^import (?!type )/m);
		expect(
			offenders(
				(p) => p === "src/client/types.ts",
				(t) => t !== "zod" && !under("src/contract")(t),
			),
		).toEqual([]);
	});

	it("only the TaskObject applies the machine and stores a task: its runner side (task-runner.ts) goes through it", () => {
		expect(
			offenders(
				(p) => p !== "src/task/task-object.ts",
				(t) => t === "src/task/task-storage",
			),
		).toEqual([]);
		const applies = /\b(transition|createTask)\(/;
		const appliers = files.filter((f) => under("src/task")(f.path) && applies.test(f.text)).map((f) => f.path);
		expect(appliers.sort()).toEqual(["src/task/machine.ts", "src/task/task-object.ts"]);
	});

	it("the state machine imports no platform, framework or database", () => {
		expect(
			offenders(
				(p) => p === "src/task/machine.ts",
				(t) => /^(cloudflare:|hono|@hono|drizzle)/.test(t),
			),
		).toEqual([]);
	});
});

describe("rules written once", () => {
	it("no query number is coerced: Number('') is 0, so an empty parameter would stand for 0", () => {
		expect(files.filter((f) => f.text.includes("z.coerce")).map((f) => f.path)).toEqual([]);
	});

	it("COMPLETED_WITH_ERRORS counts as completed in one place", () => {
		const rule =
			/"COMPLETED",\s*"COMPLETED_WITH_ERRORS"|=== "COMPLETED" \|\| \w+(\.\w+)* === "COMPLETED_WITH_ERRORS"|\.COMPLETED \+ \w+(\.\w+)*\.COMPLETED_WITH_ERRORS/;
		const lists = files.filter((f) => rule.test(f.text)).map((f) => f.path);
		expect(lists).toEqual(["src/task/task.ts"]);
	});

	it("the live statuses are derived in one place", () => {
		const derives = /TASK_STATUSES\.filter\(\(\w+\) => !isTerminal|"PENDING",\s*"SCHEDULED",\s*"QUEUED",\s*"PROCESSING"/;
		expect(files.filter((f) => derives.test(f.text)).map((f) => f.path)).toEqual(["src/task/task.ts"]);
	});

	it("services hold no request or response schemas: those live in contract/ or beside their route", () => {
		expect(offenders(under("src/services"), (target) => target === "zod" || target === "@hono/zod-openapi")).toEqual([]);
	});

	it("every header a route reads is one the header check knows", () => {
		const read = files.flatMap((f) => [
			...[...f.text.matchAll(/\.header\("([^"]+)"\)/g)].map((m) => m[1] ?? ""),
			...[...f.text.matchAll(/headers:\s*z\.object\(\{\s*"([^"]+)"/g)].map((m) => m[1] ?? ""),
		]);
		const known = HEADERS_READ.map((h) => h.toLowerCase());
		expect(read.length).toBeGreaterThan(0);
		expect(read.map((h) => h.toLowerCase()).filter((h) => !known.includes(h))).toEqual([]);
	});
});
