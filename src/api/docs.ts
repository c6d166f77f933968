import { swaggerUI } from "@hono/swagger-ui";
import type { App } from "./openapi";

export function registerDocs(app: App) {
	app.doc31("/openapi.json", {
		openapi: "3.1.0",
		info: {
			title: "taskplane",
			version: "0.1.0",
			description: "Durable task tracking: every task is a state machine with a receipt you can trust.",
		},
	});
	app.get("/docs", swaggerUI({ url: "/openapi.json", title: "taskplane API" }));
}
