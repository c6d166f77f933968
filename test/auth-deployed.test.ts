/** A deployed worker: ENVIRONMENT is not "development", so there is no keyless tenant. */
import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, expectProblem, issueKey, sendDeployed, uniqueTenant } from "./auth-helpers";

describe("outside development", () => {
	it("answers 503 on authenticated routes while ADMIN_TOKEN is not set, and stays up on /health", async () => {
		for (const path of ["/v1/tasks/0193a0a0-0000-7000-8000-000000000000", "/v1/api-keys", "/v1/messages"]) {
			const problem = await expectProblem(await sendDeployed(path, {}, { ADMIN_TOKEN: undefined }), 503, "UNAVAILABLE");
			expect(problem.detail).toContain("ADMIN_TOKEN is not set");
		}
		expect((await sendDeployed("/health", {}, { ADMIN_TOKEN: undefined })).status).toBe(200);
		expect((await sendDeployed("/__usage", {}, { ADMIN_TOKEN: undefined })).status).toBe(404);
	});

	it("needs a valid key: none or a bad one is 401, a good one works", async () => {
		const res = await sendDeployed("/v1/messages");
		await expectProblem(res, 401, "UNAUTHORIZED");
		expect(res.headers.get("www-authenticate")).toBe('Bearer realm="taskplane"');
		await expectProblem(
			await sendDeployed("/v1/messages", { key: "tp_0123456789ab_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" }),
			401,
			"UNAUTHORIZED",
		);
		await expectProblem(await sendDeployed("/v1/tasks", { body: { task_name: "demo.sleep" } }), 401, "UNAUTHORIZED");

		const issued = await issueKey(uniqueTenant("prod"));
		expect((await sendDeployed("/v1/messages", { key: issued.key })).status).toBe(200);
		const created = await sendDeployed("/v1/tasks", { key: issued.key, body: { task_name: "demo.sleep", delay_seconds: 3600 } });
		expect(created.status).toBe(202);
	});

	it("lets the admin token create the first key", async () => {
		const tenant = uniqueTenant("first");
		const res = await sendDeployed("/v1/api-keys", { key: ADMIN_TOKEN, body: { tenant, name: "first", scopes: ["admin"] } });
		expect(res.status).toBe(201);
		const { key } = await res.json<{ key: string }>();
		expect((await sendDeployed("/v1/api-keys", { key })).status).toBe(200);
		await expectProblem(await sendDeployed("/v1/api-keys", { key: "wrong-admin-token" }), 401, "UNAUTHORIZED");
	});
});

describe("browser protections", () => {
	it("serves /docs with a CSP allowing this origin's Swagger UI and its own inline script, nothing from elsewhere", async () => {
		const res = await sendDeployed("/docs");
		expect(res.status).toBe(200);
		const html = await res.text();
		const csp = res.headers.get("content-security-policy") ?? "";
		const nonce = /<script nonce="([^"]+)">/.exec(html)?.[1];
		expect(nonce).toBeTruthy();
		expect(csp).toContain(`script-src 'nonce-${nonce}' 'self';`);
		expect(csp).toContain("style-src 'self';");
		expect(csp).toContain("default-src 'none'");
		expect(csp).toContain("frame-ancestors 'none'");
		const files = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? "").filter((f) => !f.startsWith("data:"));
		expect(files).toEqual(["/vendor/swagger-ui/swagger-ui.css", "/vendor/swagger-ui/swagger-ui-bundle.js"]);
		for (const file of files) {
			const asset = await sendDeployed(file);
			expect(asset.status).toBe(200);
			expect((await asset.text()).length).toBeGreaterThan(1000);
		}
		expect(res.headers.get("x-content-type-options")).toBe("nosniff");
		expect(res.headers.get("x-frame-options")).toBe("DENY");
		expect(res.headers.get("referrer-policy")).toBe("no-referrer");
		// A fresh nonce per response.
		expect(await (await sendDeployed("/docs")).text()).not.toContain(`nonce="${nonce}"`);
	});

	it("serves the dashboard from / with a strict CSP and no key", async () => {
		const root = await sendDeployed("/");
		expect(root.status).toBe(302);
		expect(root.headers.get("location")).toBe("/ui/");
		const page = await sendDeployed("/ui/");
		expect(page.status).toBe(200);
		expect(await page.text()).toContain('<script type="module" src="/ui/app.js"></script>');
		const csp = page.headers.get("content-security-policy") ?? "";
		expect(csp).toContain("script-src 'self';");
		expect(csp).not.toContain("unsafe");
		expect(page.headers.get("x-frame-options")).toBe("DENY");
		expect((await sendDeployed("/ui/app.js")).headers.get("content-type")).toContain("javascript");
		const missing = await sendDeployed("/ui/no-such-file.js");
		expect(missing.status).toBe(404);
		expect(missing.headers.get("content-type")).toContain("application/problem+json");
	});

	it("sends security headers on API answers and errors too", async () => {
		for (const res of [await sendDeployed("/health"), await sendDeployed("/v1/messages")]) {
			expect(res.headers.get("x-content-type-options")).toBe("nosniff");
			expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
		}
	});

	it("answers CORS only for the origins in CORS_ORIGINS", async () => {
		const preflight = (origin: string, CORS_ORIGINS: string) =>
			sendDeployed(
				"/v1/tasks",
				{
					method: "OPTIONS",
					headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization" },
				},
				{ CORS_ORIGINS } as Partial<Env>,
			);
		const allowed = await preflight("https://app.example", "https://app.example, https://admin.example");
		expect(allowed.status).toBe(204);
		expect(allowed.headers.get("access-control-allow-origin")).toBe("https://app.example");
		expect(allowed.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("authorization");
		expect((await preflight("https://evil.example", "https://app.example")).headers.get("access-control-allow-origin")).toBeNull();
		expect((await preflight("https://any.example", "*")).headers.get("access-control-allow-origin")).toBe("*");
		expect((await preflight("https://app.example", "")).headers.get("access-control-allow-origin")).toBeNull();
	});
});
