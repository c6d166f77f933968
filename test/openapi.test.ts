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
