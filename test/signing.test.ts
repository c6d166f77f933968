import { env } from "cloudflare:workers";
import { Webhook, WebhookVerificationError } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { newSigningSecret, signatureHeaders } from "../src/execute/signing";
import { ROTATION_OVERLAP_MS, rotateTenantSigningSecret, signingSecretsOf } from "../src/services/signing-secret";
import { ADMIN_TOKEN, expectProblem, issueKey, send, uniqueTenant } from "./auth-helpers";

const body = JSON.stringify({ task_id: "t1", attempt: 1, payload: { n: 1 } });

describe("signing (standardwebhooks in workerd)", () => {
	it("a request signed with a secret verifies with the library, and with no other secret", () => {
		const secret = newSigningSecret();
		expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
		const headers = signatureHeaders([secret], "msg_1", new Date(), body);
		expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
		expect(() => new Webhook(newSigningSecret()).verify(body, { ...headers })).toThrow(WebhookVerificationError);
		expect(() => new Webhook(secret).verify(`${body} `, { ...headers })).toThrow(WebhookVerificationError);
	});

	it("two secrets sign side by side, so a receiver holding either verifies", () => {
		const [current, previous] = [newSigningSecret(), newSigningSecret()];
		const headers = signatureHeaders([current, previous], "msg_2", new Date(), body);
		expect(headers["webhook-signature"].split(" ")).toHaveLength(2);
		expect(new Webhook(current).verify(body, { ...headers })).toBeTruthy();
		expect(new Webhook(previous).verify(body, { ...headers })).toBeTruthy();
	});
});

describe("the tenant's signing secret", () => {
	it("is created on first use, shown to an admin key, and the same on every read", async () => {
		const tenant = uniqueTenant("signing");
		const admin = await issueKey(tenant, ["admin"]);
		const first = await send("/v1/signing-secret", { key: admin.key });
		expect(first.status).toBe(200);
		const shown = await first.json<{ secret: string; rotated_at: string | null; previous_expires_at: string | null }>();
		expect(shown.secret).toMatch(/^whsec_/);
		expect(shown).toMatchObject({ rotated_at: null, previous_expires_at: null });
		const again = await (await send("/v1/signing-secret", { key: admin.key })).json<{ secret: string }>();
		expect(again.secret).toBe(shown.secret);
		expect(await signingSecretsOf(env, tenant)).toEqual([shown.secret]);
	});

	it("is refused to a writer key and to the admin token, and differs between tenants", async () => {
		const tenant = uniqueTenant("signing");
		const writer = await issueKey(tenant, ["tasks:write"]);
		await expectProblem(await send("/v1/signing-secret", { key: writer.key }), 403, "FORBIDDEN");
		await expectProblem(await send("/v1/signing-secret/rotate", { key: writer.key, method: "POST" }), 403, "FORBIDDEN");
		await expectProblem(await send("/v1/signing-secret", { key: ADMIN_TOKEN }), 403, "FORBIDDEN");
		const other = uniqueTenant("signing");
		expect((await signingSecretsOf(env, tenant))[0]).not.toBe((await signingSecretsOf(env, other))[0]);
	});

	it("rotate replaces it; the old one keeps verifying for 24 h, then only the new one signs", async () => {
		const tenant = uniqueTenant("signing");
		const admin = await issueKey(tenant, ["admin"]);
		const old = (await (await send("/v1/signing-secret", { key: admin.key })).json<{ secret: string }>()).secret;
		const res = await send("/v1/signing-secret/rotate", { key: admin.key, method: "POST" });
		expect(res.status).toBe(200);
		const rotated = await res.json<{ secret: string; rotated_at: string; previous_expires_at: string }>();
		expect(rotated.secret).not.toBe(old);
		const rotatedAt = Date.parse(rotated.rotated_at);
		expect(Date.parse(rotated.previous_expires_at) - rotatedAt).toBe(ROTATION_OVERLAP_MS);

		const during = await signingSecretsOf(env, tenant, rotatedAt + ROTATION_OVERLAP_MS - 1);
		expect(during).toEqual([rotated.secret, old]);
		const headers = signatureHeaders(during, "msg_3", new Date(), body);
		expect(new Webhook(old).verify(body, { ...headers })).toBeTruthy();
		expect(new Webhook(rotated.secret).verify(body, { ...headers })).toBeTruthy();

		const after = await signingSecretsOf(env, tenant, rotatedAt + ROTATION_OVERLAP_MS);
		expect(after).toEqual([rotated.secret]);
		expect(() => new Webhook(old).verify(body, { ...signatureHeaders(after, "msg_4", new Date(), body) })).toThrow(
			WebhookVerificationError,
		);
	});

	it("a second rotation keeps the secret the first one made, not the first secret", async () => {
		const tenant = uniqueTenant("signing");
		const first = await rotateTenantSigningSecret(env, tenant);
		const second = await rotateTenantSigningSecret(env, tenant);
		expect(await signingSecretsOf(env, tenant)).toEqual([second.secret, first.secret]);
	});
});
