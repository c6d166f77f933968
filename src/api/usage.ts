import { usageSnapshot } from "../usage";
import type { App } from "./openapi";

/** Local cost accounting for `npm run bench`; absent outside development. */
export function registerUsage(app: App) {
	app.get("/__usage", (c) => (c.env.ENVIRONMENT === "development" ? c.json(usageSnapshot()) : c.notFound()));
}
