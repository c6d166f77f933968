import { uuidv7 } from "uuidv7";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[78][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * The task id a client meant, in the lower-case form ids are issued and stored in, or null
 * when it is not a task id (UUIDv7, or the UUIDv8 an Idempotency-Key derives). RFC 9562:
 * UUIDs compare case-insensitively, so `01936F6E-…` names the same task as `01936f6e-…`.
 */
export function taskIdOf(value: string): string | null {
	const id = value.toLowerCase();
	return UUID.test(id) ? id : null;
}

export function newTaskId(): string {
	return uuidv7();
}

async function sha256(text: string): Promise<Uint8Array> {
	return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

/**
 * The same tenant and Idempotency-Key always name the same task, so the same TaskObject
 * answers a repeated request without any lookup table. RFC 9562 UUIDv8 is the version meant
 * for such name-derived ids; its bits come from SHA-256(tenant, key).
 */
export async function idempotentTaskId(tenant: string, key: string): Promise<string> {
	const bytes = (await sha256(`${tenant}\n${key}`)).slice(0, 16);
	bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x80;
	bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
	const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
	return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function canonical(value: unknown): unknown {
	if (Array.isArray(value)) {
		return value.map(canonical);
	}
	if (value && typeof value === "object") {
		return Object.fromEntries(
			Object.entries(value as Record<string, unknown>)
				.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
				.map(([k, v]) => [k, canonical(v)]),
		);
	}
	return value;
}

/** Two requests are the same request when their bodies are equal, whatever the key order. */
export async function requestFingerprint(body: unknown): Promise<string> {
	const digest = await sha256(JSON.stringify(canonical(body)));
	return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}
