/**
 * Fuzz: random and malformed paths, query strings, headers and bodies against every route in
 * the app's route table, as tenant A while tenant B has tasks. Whatever arrives, the answer is
 * never a 5xx, every error is problem+json, and nothing of B's ever shows.
 */
import { exports } from "cloudflare:workers";
import fc from "fast-check";
import { beforeAll, expect, it } from "vitest";
import { createApp } from "../src/app";
import { type IssuedKey, issueKey, send, uniqueTenant } from "./auth-helpers";
import { type RouteEntry, readBody } from "./route-table";

const FAST = { per_second: 10_000, burst: 100_000 };
const ALL_ROUTES: RouteEntry[] = [
	...new Map(
		createApp()
			.routes.filter((r) => r.method !== "ALL")
			.map((r) => [`${r.method} ${r.path}`, { method: r.method, path: r.path, params: [] }]),
	).values(),
];

let a: IssuedKey;
let b: IssuedKey;
/** In B's task only (its name and metadata): A never sends it, so any echo of it is a leak. */
let marker: string;
/** B's namespace: A may probe with it (filters, bodies), so it is sent but not a leak marker. */
let bNamespace: string;
let bTask: string;
let aTask: string;

beforeAll(async () => {
	a = await issueKey(uniqueTenant("fuzz-a"), ["admin"], { rate_limit: FAST });
	b = await issueKey(uniqueTenant("fuzz-b"), ["admin"], { rate_limit: FAST });
	marker = `secret-${crypto.randomUUID().slice(0, 8)}`;
	bNamespace = `ns-${crypto.randomUUID().slice(0, 8)}`;
	const created = await send("/v1/tasks", {
		key: b.key,
		body: { task_name: `secret.${marker}`, delay_seconds: 3600, metadata: { k: marker }, namespace: bNamespace },
	});
	bTask = (await created.json<{ task_id: string }>()).task_id;
	const own = await send("/v1/tasks", { key: a.key, body: { task_name: "demo.sleep", delay_seconds: 3600 } });
	aTask = (await own.json<{ task_id: string }>()).task_id;
});

/** Stands for B's namespace in generated values; replaced when the request is sent. */
const B_NAMESPACE = "__B_NAMESPACE__";

const printable = (max: number) => fc.stringMatching(new RegExp(`^[\\x20-\\x7e]{0,${max}}$`));

const segment = fc.oneof(
	fc.webSegment(),
	fc.string({ maxLength: 40 }).map(encodeURIComponent),
	fc.constantFrom("%ZZ", "%", "%00", "..", ".", "%2e%2e", "%2F", "%E0%A4%A", "%F0%9F%92", "a".repeat(300), "%20", "~", "@", ";x=1"),
);

const idValue = fc.oneof(
	fc.constant(() => bTask),
	fc.constant(() => aTask),
	fc.uuid().map((u) => () => u),
	segment.map((s) => () => s),
);

const routePath = fc
	.record({ route: fc.constantFrom(...ALL_ROUTES), id: idValue, tail: fc.constantFrom("", "/", "/x", "//") })
	.map(({ route, id, tail }) => {
		const filled = route.path.replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?/g, () => id());
		return filled + tail;
	});

const path = fc.oneof(
	{ weight: 4, arbitrary: routePath },
	fc.webPath(),
	fc.array(segment, { maxLength: 6 }).map((parts) => `/${parts.join("/")}`),
);

const knownParams = [
	"limit",
	"offset",
	"status",
	"task_type",
	"type",
	"state",
	"hours_ago",
	"order_by",
	"start_date",
	"end_date",
	"tenant_id",
	"company_id",
	"namespace",
	"duration",
	"cursor",
	"metadata.k",
];
const query = fc.oneof(
	fc.constant(""),
	fc.webQueryParameters().map((q) => `?${q}`),
	fc
		.dictionary(
			fc.constantFrom(...knownParams),
			fc.oneof(segment, fc.integer().map(String), fc.constantFrom("-1", "101", "1e309", "NaN", "PENDING", "null", B_NAMESPACE)),
			{ maxKeys: 4 },
		)
		.map(
			(d) =>
				`?${Object.entries(d)
					.map(([k, v]) => `${k}=${v}`)
					.join("&")}`,
		),
);

const json = fc.oneof(
	fc.jsonValue({ maxDepth: 4 }),
	fc.record(
		{
			task_name: fc.oneof(fc.constantFrom("demo.sleep", "demo.fail", "x"), fc.string()),
			payload: fc.jsonValue({ maxDepth: 3 }),
			namespace: fc.oneof(fc.constant(B_NAMESPACE), fc.string()),
			priority: fc.oneof(fc.integer(), fc.double()),
			delay_seconds: fc.oneof(fc.constant(3600), fc.double()),
			run_at: fc.oneof(
				fc.date().map((d) => (Number.isNaN(d.getTime()) ? "x" : d.toISOString())),
				fc.string(),
			),
			metadata: fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer())),
			mode: fc.constantFrom("soft", "hard", "x"),
			reset_attempts: fc.boolean(),
			hard: fc.boolean(),
			content: fc.string(),
			tenant: fc.string(),
			name: fc.string(),
			scopes: fc.array(fc.constantFrom("tasks:read", "tasks:write", "admin", "x")),
		},
		{ requiredKeys: [] },
	),
);

const body = fc.oneof(
	fc.constant(undefined),
	json.map((v) => JSON.stringify(v)),
	fc.string({ maxLength: 200 }),
	fc.integer({ min: 1, max: 5000 }).map((n) => "[".repeat(n)),
	fc.integer({ min: 30, max: 40 }).map((n) => `{"task_name":"demo.sleep","payload":${"[".repeat(n)}${"]".repeat(n)}}`),
);

const headers = fc.record(
	{
		"content-type": fc.oneof(
			fc.constantFrom(
				"application/json",
				"text/plain",
				"application/x-www-form-urlencoded",
				"multipart/form-data; boundary=x",
				"application/json; charset=utf-16",
				"",
			),
			printable(40),
		),
		authorization: fc.oneof(
			{ weight: 6, arbitrary: fc.constant("A") },
			fc.constantFrom("", "Bearer", "Bearer tp_000000000000_x", "Basic Zm9vOmJhcg=="),
			printable(60),
		),
		"idempotency-key": printable(300),
		"if-none-match": printable(20),
		accept: fc.constantFrom("text/event-stream", "application/json", "*/*"),
	},
	{ requiredKeys: ["authorization"] },
);

const request = fc.record({
	method: fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"),
	path,
	query,
	headers,
	body,
});

it("answers anything without a 5xx, with problem+json errors, and never shows another tenant's task", async () => {
	await fc.assert(
		fc.asyncProperty(request, async (req) => {
			const h: Record<string, string> = {
				...req.headers,
				authorization: req.headers.authorization === "A" ? `Bearer ${a.key}` : req.headers.authorization,
			};
			const hasBody = req.body !== undefined && req.method !== "GET" && req.method !== "HEAD";
			let url: string;
			try {
				url = new URL(`http://taskplane.test${req.path}${req.query.replaceAll(B_NAMESPACE, bNamespace)}`).href;
			} catch {
				return; // not a URL a client could send
			}
			const res = await exports.default.fetch(url, {
				method: req.method,
				headers: h,
				body: hasBody ? req.body?.replaceAll(B_NAMESPACE, bNamespace) : undefined,
			});
			const text = await readBody(res);
			const where = `${req.method} ${url} -> ${res.status} ${text.slice(0, 300)}`;
			expect(res.status, where).toBeLessThan(500);
			if (res.status >= 400 && req.method !== "HEAD") {
				expect(res.headers.get("content-type"), where).toContain("application/problem+json");
				const problem = JSON.parse(text) as { status: number; code: string };
				expect(problem.status, where).toBe(res.status);
				expect(typeof problem.code, where).toBe("string");
			}
			// What the request itself named (a compat route may echo the id it was asked about) is no leak.
			const named = new URL(url).pathname.split("/").filter((segment) => segment.length > 0);
			const visible = named.reduce((rest, segment) => rest.replaceAll(segment, ""), text);
			expect(visible.includes(marker) || visible.includes(bTask), where).toBe(false);
		}),
		{ numRuns: 300 },
	);
	// B's task came through it all untouched.
	const task = await (await send(`/v1/tasks/${bTask}`, { key: b.key })).json<{ status: string }>();
	expect(task.status).toBe("SCHEDULED");
}, 120_000);
