/** The tenant's signing secret (admin scope, decided by src/auth/scopes.ts like every other route). */
import type { App } from "../openapi";
import { registerGetSigningSecret } from "./get";
import { registerRotateSigningSecret } from "./rotate";

export function registerSigningSecretRoutes(app: App) {
	registerGetSigningSecret(app);
	registerRotateSigningSecret(app);
}
