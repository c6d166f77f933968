import { describe, expect, it } from "vitest";
import { celeryStateOf, inspectGroupOf, lowerStatusOf, statusesFor } from "../src/api/compat/vocabulary";
import { ApiError } from "../src/errors";
import { TASK_STATUSES, type TaskStatus } from "../src/task/task";

describe("status vocabularies", () => {
	it.each([
		["PENDING", 0, "PENDING", "pending", "RESERVED"],
		["SCHEDULED", 0, "PENDING", "scheduled", "SCHEDULED"],
		["SCHEDULED", 2, "RETRY", "scheduled", "SCHEDULED"],
		["QUEUED", 0, "PENDING", "queued", "RESERVED"],
		["PROCESSING", 1, "STARTED", "processing", "ACTIVE"],
		["COMPLETED", 0, "SUCCESS", "completed", null],
		["COMPLETED_WITH_ERRORS", 0, "SUCCESS", "completed", null],
		["FAILED", 3, "FAILURE", "failed", null],
		["CANCELED", 0, "REVOKED", "cancelled", null],
	] as const)("%s (retry_count %i) is Celery %s, lower-case %s, inspect group %s", (status, retryCount, celery, lower, group) => {
		expect(celeryStateOf({ status, retry_count: retryCount })).toBe(celery);
		expect(lowerStatusOf(status)).toBe(lower);
		expect(inspectGroupOf(status)).toBe(group);
	});

	it("maps every word of each vocabulary back onto the statuses it names", () => {
		for (const status of TASK_STATUSES) {
			// Each view's word for a status selects that status again.
			expect(statusesFor("status", [lowerStatusOf(status)], "status")).toContain(status);
			expect(statusesFor("celery", [celeryStateOf({ status, retry_count: 0 })], "state")).toContain(status);
			expect(statusesFor("status", [status], "status")).toEqual([status]);
		}
		expect(statusesFor("celery", ["RETRY"], "state")).toEqual(["SCHEDULED"]);
		expect(statusesFor("status", ["canceled", "cancelled"], "status")).toEqual(["CANCELED"]);
		expect(statusesFor("status", ["IN_PROGRESS"], "status")).toEqual(["PROCESSING"]);
		expect(statusesFor("status", ["ARCHIVED", "DRAFT"], "status")).toEqual([]);
	});

	it("refuses a word its system does not have, naming the ones it does", () => {
		const attempt = () => statusesFor("celery", ["success"], "state");
		expect(attempt).toThrow(ApiError);
		try {
			attempt();
		} catch (error) {
			expect((error as ApiError).options.errors?.[0]).toMatchObject({ path: "state", message: expect.stringContaining("SUCCESS") });
		}
		const known: TaskStatus[] = statusesFor("status", ["completed"], "status");
		expect(known.sort()).toEqual(["COMPLETED", "COMPLETED_WITH_ERRORS"]);
	});
});
