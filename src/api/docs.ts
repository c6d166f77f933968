import type { App } from "./openapi";
import { pagePolicy } from "./security";

/** Swagger UI from the Worker's own assets (scripts/copy-vendor.mjs copies it there), so /docs works offline. */
const SWAGGER_UI = "/vendor/swagger-ui";

function docsPage(nonce: string): string {
	return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
<title>taskplane API</title>
<link rel="icon" href="data:," />
<link rel="stylesheet" href="${SWAGGER_UI}/swagger-ui.css" />
</head>
<body>
<div id="swagger-ui"></div>
<script src="${SWAGGER_UI}/swagger-ui-bundle.js"></script>
<script nonce="${nonce}">
window.onload = () => {
	window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", validatorUrl: null });
};
</script>
</body>
</html>`;
}

/**
 * The page's own CSP (the app-wide one in security.ts keeps a header a page set): the Swagger
 * UI script and stylesheet from this origin, the inline bootstrap by nonce, nothing from elsewhere.
 */
function docsPolicy(nonce: string): string {
	return pagePolicy(`'nonce-${nonce}' 'self'`);
}

export function registerDocs(app: App) {
	// Every tenant route takes `Authorization: Bearer <key>`; this gives /docs its Authorize button.
	app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
		type: "http",
		scheme: "bearer",
		description: "An API key (`tp_...`), or the ADMIN_TOKEN for /v1/api-keys",
	});
	// The report routes take an attempt token instead: a capability for one attempt, no key.
	app.openAPIRegistry.registerComponent("securitySchemes", "attemptToken", {
		type: "http",
		scheme: "bearer",
		description: "An attempt token (`tpa_...`) from a claim, a push delivery or an external task's create answer",
	});
	app.doc31("/openapi.json", {
		openapi: "3.1.0",
		security: [{ bearer: [] }],
		// Relative: the API is served from the same origin as this document, wherever it is deployed.
		servers: [{ url: "/", description: "The origin serving this document" }],
		info: {
			title: "taskplane",
			version: "0.1.0",
			description: "Durable task tracking: every task is a state machine with a receipt you can trust.",
		},
	});
	app.get("/docs", (c) => {
		const nonce = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
		return c.html(docsPage(nonce), 200, { "Content-Security-Policy": docsPolicy(nonce) });
	});
}
