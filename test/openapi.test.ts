import { exports } from "cloudflare:workers";
import { expect, it } from "vitest";

it("serves the OpenAPI document", async () => {
	const res = await exports.default.fetch("http://x/openapi.json");
	expect(res.status).toBe(200);
	const doc = await res.json<{
		openapi: string;
		paths: Record<string, unknown>;
		security: unknown;
		components: { securitySchemes: unknown };
	}>();
	expect(doc.security).toEqual([{ bearer: [] }]);
	expect(doc.components.securitySchemes).toMatchObject({ bearer: { type: "http", scheme: "bearer" } });
	expect(doc.openapi).toBe("3.1.0");
	expect(Object.keys(doc.paths)).toContain("/v1/tasks");
});

it("names every operation once, so generated clients get stable method names", async () => {
	const res = await exports.default.fetch("http://x/openapi.json");
	const doc = await res.json<{ paths: Record<string, Record<string, { operationId?: string }>> }>();
	const methods = new Set(["get", "put", "post", "delete", "patch", "head", "options", "trace"]);
	const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
		Object.entries(item)
			.filter(([method]) => methods.has(method))
			.map(([method, op]) => ({ at: `${method.toUpperCase()} ${path}`, id: op.operationId })),
	);
	expect(operations.length).toBeGreaterThan(30);
	expect(operations.filter((op) => !op.id).map((op) => op.at)).toEqual([]);
	const ids = operations.map((op) => op.id);
	expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
	for (const id of ids) {
		expect(id).toMatch(/^[a-z][A-Za-z0-9]*$/);
	}
});
