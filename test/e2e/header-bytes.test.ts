/**
 * Header values as Node's fetch really sends them: `café` goes out as Latin-1 bytes, which the
 * runtime cannot decode faithfully, so two different Idempotency-Keys would name one task.
 * Anything outside printable ASCII is refused instead.
 */
import { randomUUID } from "node:crypto";
import { expect, inject, it } from "vitest";

const base = inject("baseUrl");

async function create(key: string, priority: number): Promise<{ status: number; body: { task_id?: string; errors?: unknown[] } }> {
	const res = await fetch(`${base}/v1/tasks`, {
		method: "POST",
		headers: { "content-type": "application/json", "Idempotency-Key": key },
		body: JSON.stringify({ task_name: "demo.sleep", delay_seconds: 3600, priority }),
	});
	return { status: res.status, body: await res.json() };
}

it("refuses café-S and cafè-S with a 422 instead of answering both with one task", async () => {
	const suffix = randomUUID();
	const first = await create(`café-S-${suffix}`, 1);
	const second = await create(`cafè-S-${suffix}`, 2);
	for (const answer of [first, second]) {
		expect(answer.status).toBe(422);
		expect(answer.body.errors).toEqual([{ path: "Idempotency-Key", message: expect.stringContaining("printable ASCII") }]);
	}
	const ascii = await create(`cafe-S-${suffix}`, 1);
	expect(ascii.status).toBe(202);
});
