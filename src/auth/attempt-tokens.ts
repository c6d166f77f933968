/**
 * Attempt tokens: `tpa_<tenant, base64url>.<secret>`. The secret (256 random bits) proves the
 * holder runs that attempt; only SHA-256(token) is stored, in the task's object. The tenant is
 * public and only says which object to ask: a token names no key and grants nothing else.
 */
import { ATTEMPT_TOKEN_PREFIX } from "../execute/protocol";
import { base64url, hashKey } from "./keys";

const TOKEN_PATTERN = /^tpa_([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{43})$/;

export function mintAttemptToken(tenant: string): string {
	const owner = base64url(new TextEncoder().encode(tenant));
	return `${ATTEMPT_TOKEN_PREFIX}${owner}.${base64url(crypto.getRandomValues(new Uint8Array(32)))}`;
}

export function isAttemptToken(token: string): boolean {
	return token.startsWith(ATTEMPT_TOKEN_PREFIX);
}

/** The tenant a well-formed token names, or null: a malformed token costs no object call. */
export function tenantOfAttemptToken(token: string): string | null {
	const match = TOKEN_PATTERN.exec(token);
	if (!match?.[1]) {
		return null;
	}
	try {
		const binary = atob(match[1].replaceAll("-", "+").replaceAll("_", "/"));
		return new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
	} catch {
		return null;
	}
}

export const hashAttemptToken = hashKey;
