/** Calling the Worker as a tenant's key, the admin token, or a deployed (non-development) worker. */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { expect } from "vitest";
import { createApp } from "../src/app";
import type { Scope } from "../src/auth/scopes";

/** Same value as vitest.config.ts gives the suite. */
export const ADMIN_TOKEN = "test-admin-token";

export interface Send {
	method?: string;
	body?: unknown;
	/** A key or token to send as Bearer; null sends no Authorization. */
	key?: string | null;
	headers?: Record<string, string>;
}

function requestInit({ method, body, key, headers }: Send): RequestInit {
	const all: Record<string, string> = { ...headers };
	if (key) {
		all.authorization = `Bearer ${key}`;
	}
	if (body !== undefined) {
		all["content-type"] ??= "application/json";
	}
	return {
		method: method ?? (body === undefined ? "GET" : "POST"),
		headers: all,
		body: body === undefined ? undefined : JSON.stringify(body),
	};
}

/** Through the Worker's real entry point, with the suite's (development) bindings. */
export function send(path: string, init: Send = {}): Promise<Response> {
	return exports.default.fetch(`http://taskplane.test${path}`, requestInit(init));
}

/** As a deployed worker sees it: ENVIRONMENT unset, other bindings as given. */
export async function sendDeployed(path: string, init: Send = {}, vars: Partial<Env> = {}): Promise<Response> {
	const ctx = createExecutionContext();
	const deployedEnv: Env = { ...env, ENVIRONMENT: undefined, ...vars };
	const res = await createApp().request(path, requestInit(init), deployedEnv, ctx);
	await waitOnExecutionContext(ctx);
	return res;
}

export interface IssuedKey {
	id: string;
	key: string;
	tenant: string;
	name: string;
}

export async function issueKey(
	tenant: string,
	scopes: Scope[] = ["tasks:read", "tasks:write"],
	extra: { rate_limit?: { per_second: number; burst: number }; name?: string } = {},
): Promise<IssuedKey> {
	const name = extra.name ?? `key-${crypto.randomUUID().slice(0, 8)}`;
	const res = await send("/v1/api-keys", {
		key: ADMIN_TOKEN,
		body: { tenant, name, scopes, ...(extra.rate_limit ? { rate_limit: extra.rate_limit } : {}) },
	});
	expect(res.status, await res.clone().text()).toBe(201);
	const body = await res.json<IssuedKey>();
	return { id: body.id, key: body.key, tenant, name };
}

/** A unique tenant name per call, so test files never share data by accident. */
export function uniqueTenant(label: string): string {
	return `${label}-${crypto.randomUUID().slice(0, 8)}`;
}

export async function expectProblem(res: Response, status: number, code: string): Promise<{ detail: string; code: string }> {
	const text = await res.text();
	expect(res.status, text).toBe(status);
	expect(res.headers.get("content-type")).toContain("application/problem+json");
	const body = JSON.parse(text) as { detail: string; code: string; status: number };
	expect(body.code).toBe(code);
	expect(body.status).toBe(status);
	return body;
}
