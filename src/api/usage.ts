import { ApiError } from "../errors";
import { usageSnapshot } from "../usage";
import type { App } from "./openapi";

/** Local cost accounting for `npm run bench`; absent outside development. */
export function registerUsage(app: App) {
	app.get("/__usage", (c) => {
		if (c.env.ENVIRONMENT !== "development") {
			// Not c.notFound(): the not-found handler sees this GET route and would answer 405.
			throw new ApiError("NOT_FOUND", "no such route");
		}
		return c.json(usageSnapshot());
	});
}
