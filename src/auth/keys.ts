/**
 * API key material: `tp_<prefix>_<secret>`. The prefix (48 random bits, public) finds the key's
 * row; the secret (256 random bits) proves possession. Only SHA-256(key) is stored.
 */
const KEY_PATTERN = /^tp_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

function hex(bytes: ArrayBuffer | Uint8Array): string {
	return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export function base64url(bytes: Uint8Array): string {
	return btoa(String.fromCharCode(...bytes))
		.replaceAll("+", "-")
		.replaceAll("/", "_")
		.replace(/=+$/, "");
}

export function generateKey(): { key: string; prefix: string } {
	const prefix = hex(crypto.getRandomValues(new Uint8Array(6)));
	const secret = base64url(crypto.getRandomValues(new Uint8Array(32)));
	return { key: `tp_${prefix}_${secret}`, prefix };
}

/** The prefix of a well-formed key, or null: a malformed key costs no lookup. */
export function prefixOf(key: string): string | null {
	return KEY_PATTERN.exec(key)?.[1] ?? null;
}

/** SHA-256 of a secret (an API key or an attempt token), hex: the only form either is stored in. */
export async function hashKey(key: string): Promise<string> {
	return hex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key)));
}

/** Constant-time equality of two strings, so a comparison leaks nothing through its timing. */
export function sameSecret(a: string, b: string): boolean {
	const left = new TextEncoder().encode(a);
	const right = new TextEncoder().encode(b);
	if (left.byteLength !== right.byteLength) {
		// Still spend the same work as a real comparison; the length of a hash or token is public.
		crypto.subtle.timingSafeEqual(left, left);
		return false;
	}
	return crypto.subtle.timingSafeEqual(left, right);
}
