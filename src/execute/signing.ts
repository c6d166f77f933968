/**
 * The one signer for everything taskplane sends to a user's endpoint — push attempts now,
 * per-task callbacks and webhook events next — with the Standard Webhooks scheme
 * (https://www.standardwebhooks.com, the `standardwebhooks` library; not re-implemented here).
 *
 * A request carries `webhook-id` (the same for every delivery of one message, so receivers can
 * de-duplicate), `webhook-timestamp` (epoch seconds; receivers reject ones more than 5 min off)
 * and `webhook-signature`: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, one per secret
 * that is still verifying, space-separated — during a rotation's 24 h overlap both the new and
 * the previous secret sign, so a receiver holding either one verifies.
 */
import { Webhook } from "standardwebhooks";

/** Secrets are `whsec_` + base64 of this many random bytes (the spec asks for 24 to 64). */
const SECRET_BYTES = 32;

/** A fresh signing secret, `whsec_<base64>`, as the Standard Webhooks libraries expect it. */
export function newSigningSecret(): string {
	const bytes = crypto.getRandomValues(new Uint8Array(SECRET_BYTES));
	return `whsec_${btoa(String.fromCharCode(...bytes))}`;
}

export interface SignatureHeaders {
	"webhook-id": string;
	"webhook-timestamp": string;
	"webhook-signature": string;
}

/**
 * The Standard Webhooks headers for `body` sent as message `id` at `at`, signed with every
 * secret in `secrets` (the current one first). `body` must be the exact bytes sent.
 * Throws when `secrets` is empty or one is not a `whsec_` base64 secret.
 */
export function signatureHeaders(secrets: readonly string[], id: string, at: Date, body: string): SignatureHeaders {
	if (secrets.length === 0) {
		throw new Error("signing needs at least one secret");
	}
	const signatures = secrets.map((secret) => new Webhook(secret).sign(id, at, body));
	return {
		"webhook-id": id,
		"webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
		"webhook-signature": signatures.join(" "),
	};
}
