import { exports } from "cloudflare:workers";
import { expect, it, vi } from "vitest";

it("creates a task and runs it to COMPLETED", async () => {
	const res = await exports.default.fetch("http://x/v1/tasks", {
		method: "POST",
		headers: { "content-type": "application/json" },
		body: JSON.stringify({ task_name: "demo.sleep", payload: { duration_seconds: 0 } }),
	});
	expect(res.status).toBe(202);
	const task = await res.json<{ task_id: string; status: string }>();
	await vi.waitFor(
		async () => {
			const got = await exports.default.fetch(`http://x/v1/tasks/${task.task_id}`);
			expect((await got.json<{ status: string }>()).status).toBe("COMPLETED");
		},
		{ timeout: 4_000, interval: 100 },
	);
});
