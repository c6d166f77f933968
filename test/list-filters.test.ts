/**
 * Every list route takes the same filters (src/contract/task-filters.ts, status-words.ts), and
 * no parameter it accepts is dropped: query, body and header merge, or disagree with a 422.
 */
import { describe, expect, it, vi } from "vitest";
import { STATUS_WORDS } from "../src/contract/status-words";
import type { Task } from "../src/task/task";
import { api, createTask, expectProblem, postJson } from "./helpers";

interface Page {
	tasks: Task[];
	total: number;
	limit: number;
	offset: number;
	pagination: { page: number; page_size: number };
}

const unique = (label: string) => `${label}-${crypto.randomUUID().slice(0, 8)}`;
const ids = (tasks: { task_id: string }[]) => tasks.map((t) => t.task_id).sort();

async function page(res: Response): Promise<Page> {
	expect(res.status, await res.clone().text()).toBe(200);
	return res.json<Page>();
}

/** Creates `n` tasks in a fresh namespace and waits until history lists all of them, newest first. */
async function seedNamespace(n: number): Promise<{ namespace: string; newestFirst: string[] }> {
	const namespace = unique("paging");
	const created: Task[] = [];
	for (let i = 0; i < n; i++) {
		created.push(await createTask({ task_name: "demo.sleep", namespace, delay_seconds: 3600 }));
	}
	const listed = await vi.waitFor(async () => {
		const all = await page(await api(`/v1/tasks?namespace=${namespace}`));
		expect(all.total).toBe(n);
		return all.tasks.map((t) => t.task_id);
	});
	return { namespace, newestFirst: listed };
}

describe("POST /v1/tasks/list: query, body and header are one request", () => {
	it("pages with ?page and ?page_size, and with ?limit, when the body is a native body too", async () => {
		const { namespace, newestFirst } = await seedNamespace(7);
		const second = await page(await postJson("/v1/tasks/list?page=2&page_size=3", { namespace }));
		expect(second).toMatchObject({ limit: 3, offset: 3, pagination: { page: 2, page_size: 3 } });
		expect(second.tasks.map((t) => t.task_id)).toEqual(newestFirst.slice(3, 6));

		const limited = await page(await postJson("/v1/tasks/list?limit=3&offset=1", { namespace }));
		expect(limited.tasks.map((t) => t.task_id)).toEqual(newestFirst.slice(1, 4));

		// The same paging on GET, and any filter in the query of the POST.
		const get = await page(await api(`/v1/tasks?namespace=${namespace}&page=3&page_size=3`));
		expect(get.tasks.map((t) => t.task_id)).toEqual(newestFirst.slice(6));
		const byQuery = await page(await postJson(`/v1/tasks/list?namespace=${namespace}&limit=2`, {}));
		expect(byQuery.tasks.map((t) => t.task_id)).toEqual(newestFirst.slice(0, 2));
	});

	it.each([
		["limit", "?limit=3", { limit: 5 }, {}],
		["namespace", "?namespace=a", { namespace: "b" }, {}],
		["namespace", "", { namespace: "a" }, { "X-Namespace": "b" }],
		["page_size", "?page_size=3&limit=4", {}, {}],
		["page", "?page=2&offset=4", {}, {}],
	])("a %s given twice with different values is a 422 naming it", async (path, query, body, headers) => {
		const problem = await expectProblem(await postJson(`/v1/tasks/list${query}`, body, headers), 422, "VALIDATION_FAILED");
		expect(problem.errors?.map((e) => e.path)).toContain(path);
	});

	it("the same value in two places is fine", async () => {
		const namespace = unique("same");
		const res = await postJson(`/v1/tasks/list?limit=3&namespace=${namespace}`, { limit: 3, namespace }, { "X-Namespace": namespace });
		expect((await page(res)).limit).toBe(3);
	});

	it("an unknown query parameter is a 422, as on GET", async () => {
		await expectProblem(await postJson("/v1/tasks/list?colour=red", {}), 422, "VALIDATION_FAILED");
		await expectProblem(await api("/v1/tasks?colour=red"), 422, "VALIDATION_FAILED");
	});
});

describe("status words are the same on every list route", () => {
	it("each word selects the same tasks on GET /v1/tasks, POST /v1/tasks/list and GET /api/tasks", async () => {
		const company = unique("words");
		const metadata = { company_id: company };
		const scheduled = await createTask({ task_name: "demo.sleep", delay_seconds: 3600, metadata });
		const canceled = await createTask({ task_name: "demo.sleep", delay_seconds: 3600, metadata });
		expect((await postJson(`/v1/tasks/${canceled.task_id}/cancel`, { mode: "hard" })).status).toBe(200);
		const statusOf: Record<string, string> = { [scheduled.task_id]: "SCHEDULED", [canceled.task_id]: "CANCELED" };
		await vi.waitFor(async () => {
			const all = await page(await api(`/v1/tasks?metadata.company_id=${company}&status=CANCELED`));
			expect(all.total).toBe(1);
		});

		for (const [word, statuses] of Object.entries(STATUS_WORDS)) {
			const expected = Object.keys(statusOf)
				.filter((id) => (statuses as readonly string[]).includes(statusOf[id] ?? ""))
				.sort();
			const get = await page(await api(`/v1/tasks?metadata.company_id=${company}&status=${word}`));
			const post = await page(await postJson("/v1/tasks/list", { metadata, status: [word] }));
			const compat = await page(await api(`/api/tasks?company_id=${company}&status=${word}`));
			expect([ids(get.tasks), ids(post.tasks), ids(compat.tasks)], word).toEqual([expected, expected, expected]);
		}
	});

	it("a word no route knows is a 422 on each, listing the words", async () => {
		for (const res of [
			await api("/v1/tasks?status=RUNNING"),
			await postJson("/v1/tasks/list", { status: "RUNNING" }),
			await api("/api/tasks?status=RUNNING"),
		]) {
			const problem = await expectProblem(res, 422, "VALIDATION_FAILED");
			expect(problem.errors?.[0]?.message).toContain("IN_PROGRESS");
		}
	});
});
