import { describe, expect, it } from "vitest";
import {
	type Accepted,
	createTask,
	deadlines,
	type MachineContext,
	type NewTask,
	REDELIVER_AFTER_MS,
	type TaskEvent,
	type TransitionResult,
	transition,
} from "../src/task/machine";
import { RETRY_BACKOFF } from "../src/task/retry";
import { TASK_STATUSES, type TaskRecord, type TaskStatus } from "../src/task/task";
import { newTaskSpec } from "./helpers/task-spec";

const NOW = Date.parse("2026-01-01T00:00:00.000Z");
const ctx = (random = 0.5, now = NOW): MachineContext => ({ now, random: () => random });
const TIMEOUT_S = 60;
const LEASE_MS = 60_000;
const ATTEMPT = 2;

const spec: NewTask = newTaskSpec({
	task_id: "01936f6e-8b9a-7c3d-9e2f-0a1b2c3d4e5f",
	payload: { duration_seconds: 1 },
	timeout_seconds: TIMEOUT_S,
});

/** A task in `status` on its second attempt (one retry used), as the object would hold it. */
function taskIn(status: TaskStatus, overrides: Partial<TaskRecord> = {}): TaskRecord {
	const base = createTask(spec, ctx(0.5, NOW - 60_000)).task;
	const started = ["PROCESSING", "COMPLETED", "COMPLETED_WITH_ERRORS", "FAILED", "CANCELED"].includes(status);
	return {
		...base,
		status,
		attempt: ATTEMPT,
		retry_count: 1,
		version: 5,
		run_at: status === "SCHEDULED" ? new Date(NOW + 1_000).toISOString() : null,
		started_at: started ? new Date(NOW - 10_000).toISOString() : null,
		timeout_at: status === "PROCESSING" ? NOW + 50_000 : null,
		// A running attempt whose lease has just run out (its runner went quiet).
		...(status === "PROCESSING" ? { lease_ms: LEASE_MS, lease_deadline: NOW - 1, lease_expires_at: new Date(NOW - 1).toISOString() } : {}),
		completed_at: started && status !== "PROCESSING" ? new Date(NOW - 1_000).toISOString() : null,
		...overrides,
	};
}

const failure = { code: "BOOM", message: "it broke", retryable: true };
const EVENTS: Record<string, TaskEvent> = {
	dispatch: { type: "dispatch", attempt: ATTEMPT, lease_ms: 30_000 },
	wake: { type: "wake" },
	redeliver: { type: "redeliver", attempt: ATTEMPT },
	start: { type: "start", attempt: ATTEMPT, lease_ms: LEASE_MS, token_hash: "h2", runner: "builtin" },
	claim: { type: "claim", attempt: ATTEMPT, lease_ms: LEASE_MS, token_hash: "h2", runner: "worker-1" },
	heartbeat: { type: "heartbeat", attempt: ATTEMPT },
	lease_expired: { type: "lease_expired", attempt: ATTEMPT },
	progress: { type: "progress", attempt: ATTEMPT, progress: { percent: 50, done: 1, total: 2, message: "half" } },
	complete: { type: "complete", attempt: ATTEMPT, result: { ok: true }, errors: [] },
	fail: { type: "fail", attempt: ATTEMPT, error: failure },
	timeout: { type: "timeout", attempt: ATTEMPT },
	"cancel soft": { type: "cancel", mode: "soft" },
	"cancel hard": { type: "cancel", mode: "hard" },
	escalate_cancel: { type: "escalate_cancel" },
	retry: { type: "retry", reset_attempts: false },
};
type EventName = keyof typeof EVENTS;

/** Where each allowed pair lands; every other pair must be refused with the code given. */
const ALLOWED: Partial<Record<TaskStatus, Partial<Record<EventName, TaskStatus>>>> = {
	// The spec is builtin: its turn starts the attempt (an http task's turn queues it, below).
	PENDING: { dispatch: "PROCESSING", "cancel soft": "CANCELED", "cancel hard": "CANCELED" },
	SCHEDULED: { wake: "PENDING", "cancel soft": "CANCELED", "cancel hard": "CANCELED" },
	QUEUED: { start: "PROCESSING", redeliver: "QUEUED", "cancel soft": "CANCELED", "cancel hard": "CANCELED" },
	PROCESSING: {
		progress: "PROCESSING",
		heartbeat: "PROCESSING",
		lease_expired: "SCHEDULED",
		complete: "COMPLETED",
		fail: "SCHEDULED",
		timeout: "SCHEDULED",
		"cancel soft": "PROCESSING",
		"cancel hard": "CANCELED",
	},
	FAILED: { retry: "PENDING" },
	CANCELED: { retry: "PENDING" },
};
/** Reports and starts name an attempt: on a live task in the wrong state they are stale. */
const ATTEMPT_EVENTS = new Set<EventName>([
	"dispatch",
	"start",
	"claim",
	"heartbeat",
	"lease_expired",
	"redeliver",
	"progress",
	"complete",
	"fail",
	"timeout",
]);
/** Events that change nothing a client reads as a new version: no history write is owed. */
const SAME_VERSION = new Set<EventName>(["redeliver", "heartbeat"]);
const TERMINAL = new Set<TaskStatus>(["COMPLETED", "COMPLETED_WITH_ERRORS", "FAILED", "CANCELED"]);

const pairs = TASK_STATUSES.flatMap((status) => Object.keys(EVENTS).map((event) => ({ status, event: event as EventName })));

function accepted(result: TransitionResult): Accepted {
	if (!result.ok) {
		throw new Error(`rejected: ${result.reason}`);
	}
	return result;
}

describe("transition over every (state × event) pair", () => {
	it("covers all 8 states × 15 events", () => {
		expect(pairs).toHaveLength(120);
	});

	it.each(pairs)("$status + $event", ({ status, event }) => {
		const before = taskIn(status);
		const result = transition(before, EVENTS[event] as TaskEvent, ctx());
		const lands = ALLOWED[status]?.[event];
		if (lands === undefined) {
			const code = ATTEMPT_EVENTS.has(event) && !TERMINAL.has(status) ? "STALE_ATTEMPT" : "CONFLICT";
			expect(result).toMatchObject({ ok: false, code });
			expect(result.ok ? "" : result.reason).toMatch(/\w+/);
			return;
		}
		const { task, note, effects } = accepted(result);
		expect(task.status).toBe(lands);
		// A redelivery changes nothing a client sees: same version, no history write owed.
		expect(task.version).toBe(before.version + (SAME_VERSION.has(event) ? 0 : 1));
		if (note) {
			expect(note).toMatchObject({ from_status: status, to_status: lands });
		}
		expect(effects).toEqual(expectedEffects(status, lands, event));
	});
});

/** The effect rules, stated once: offer on becoming PENDING, enqueue on QUEUED, release on leaving the turn. */
function expectedEffects(from: TaskStatus, to: TaskStatus, event: EventName) {
	const turn = (s: TaskStatus) => s === "PENDING" || s === "QUEUED" || s === "PROCESSING";
	const effects: unknown[] = [];
	if (turn(from) && !turn(to)) {
		effects.push({ type: "release", attempt: ATTEMPT });
	}
	if (to === "PENDING" && from !== "PENDING") {
		effects.push({ type: "offer", attempt: ATTEMPT + (event === "retry" ? 1 : 0) });
	}
	if (to === "QUEUED") {
		effects.push({ type: "enqueue", attempt: ATTEMPT });
	}
	return effects;
}

describe("every way to CANCELED has one shape", () => {
	const ways: [string, TaskRecord, TaskEvent, RegExp][] = [
		["soft cancel while PENDING", taskIn("PENDING"), { type: "cancel", mode: "soft" }, /^soft cancel while PENDING$/],
		["hard cancel while QUEUED", taskIn("QUEUED"), { type: "cancel", mode: "hard" }, /^hard cancel while QUEUED$/],
		["hard cancel while running", taskIn("PROCESSING"), { type: "cancel", mode: "hard" }, /^hard cancel: attempt 2 stopped/],
		["grace escalation", taskIn("PROCESSING", { cancel_requested: true, cancel_deadline_at: NOW }), { type: "escalate_cancel" }, /grace/],
		[
			"soft cancel acknowledged by the runner",
			taskIn("PROCESSING", { cancel_requested: true }),
			{ type: "fail", attempt: ATTEMPT, error: { code: "CANCELED", message: "stopped", retryable: false } },
			/^soft cancel: attempt 2 stopped \(CANCELED: stopped\)$/,
		],
	];
	it.each(ways)("%s", (_how, before, event, message) => {
		const { task } = accepted(transition(before, event, ctx()));
		expect(task).toMatchObject({ status: "CANCELED", error_code: "CANCELED", cancel_requested: true });
		expect(task.error_message).toMatch(message);
	});
});

describe("allowed transitions carry the right fields and effects", () => {
	it("dispatch starts a builtin attempt in the same commit: leased, timed, no queue message", () => {
		const { task, effects, note } = accepted(transition(taskIn("PENDING"), EVENTS.dispatch as TaskEvent, ctx()));
		expect(task).toMatchObject({
			status: "PROCESSING",
			queued_at: new Date(NOW).toISOString(),
			started_at: new Date(NOW).toISOString(),
			lease_deadline: NOW + 30_000,
			timeout_at: NOW + task.timeout_seconds * 1000,
			redeliver_at: null,
		});
		expect(effects.filter((e) => e.type === "enqueue")).toEqual([]);
		expect(note).toMatchObject({ type: "started", from_status: "PENDING", to_status: "PROCESSING", data: { runner: "builtin" } });
	});

	it("dispatch queues an http attempt and asks for its message", () => {
		const { task, effects } = accepted(transition(taskIn("PENDING", { execution: "http" }), EVENTS.dispatch as TaskEvent, ctx()));
		expect(task.status).toBe("QUEUED");
		expect(task.queued_at).toBe(new Date(NOW).toISOString());
		expect(effects).toEqual([{ type: "enqueue", attempt: ATTEMPT }]);
	});

	it("wake asks for a turn for the scheduled attempt", () => {
		expect(accepted(transition(taskIn("SCHEDULED"), EVENTS.wake as TaskEvent, ctx())).effects).toEqual([
			{ type: "offer", attempt: ATTEMPT },
		]);
	});

	it("dispatch arms the redelivery deadline; start clears it", () => {
		const queued = accepted(transition(taskIn("PENDING", { execution: "http" }), EVENTS.dispatch as TaskEvent, ctx())).task;
		expect(queued.redeliver_at).toBe(NOW + REDELIVER_AFTER_MS);
		expect(accepted(transition(queued, EVENTS.start as TaskEvent, ctx())).task.redeliver_at).toBeNull();
	});

	it("redeliver sends the attempt again and pushes the next redelivery back, with a note", () => {
		const queued = taskIn("QUEUED", { queued_at: new Date(NOW - 30_000).toISOString(), redeliver_at: NOW });
		const { task, effects, note } = accepted(transition(queued, EVENTS.redeliver as TaskEvent, ctx()));
		expect(task).toEqual({ ...queued, redeliver_at: NOW + REDELIVER_AFTER_MS });
		expect(effects).toEqual([{ type: "enqueue", attempt: ATTEMPT }]);
		expect(note).toMatchObject({ type: "redelivered", from_status: "QUEUED", to_status: "QUEUED" });
		expect(note?.message).toMatch(/not started 30 s after/);
	});

	it("a grant for another attempt is stale", () => {
		expect(transition(taskIn("PENDING"), { type: "dispatch", attempt: ATTEMPT - 1, lease_ms: 30_000 }, ctx())).toMatchObject({
			ok: false,
			code: "STALE_ATTEMPT",
		});
	});

	it("start arms the processing timeout", () => {
		const { task } = accepted(transition(taskIn("QUEUED"), EVENTS.start as TaskEvent, ctx()));
		expect(task).toMatchObject({ attempt: ATTEMPT, started_at: new Date(NOW).toISOString(), timeout_at: NOW + TIMEOUT_S * 1000 });
	});

	it("start of another attempt is stale", () => {
		expect(transition(taskIn("QUEUED"), { ...(EVENTS.start as { type: "start" } & TaskEvent), attempt: ATTEMPT + 1 }, ctx())).toMatchObject(
			{
				ok: false,
				code: "STALE_ATTEMPT",
			},
		);
	});

	it("a failed attempt waits by its type's backoff, kept on the task from creation", () => {
		// Attempt 2 of a type with base 10 s, factor 3: the ceiling is 30 s; the draw 0.5 waits 15 s.
		const backoff = { base_seconds: 10, factor: 3, max_seconds: 3600 };
		const { task } = accepted(transition(taskIn("PROCESSING", { backoff }), EVENTS.fail as TaskEvent, ctx(0.5)));
		expect(Date.parse(task.run_at ?? "") - NOW).toBe(15_000);
		const capped = { base_seconds: 10, factor: 3, max_seconds: 20 };
		const { task: late } = accepted(transition(taskIn("PROCESSING", { backoff: capped }), EVENTS.fail as TaskEvent, ctx(0.5)));
		expect(Date.parse(late.run_at ?? "") - NOW).toBe(10_000);
		expect(createTask({ ...spec, backoff }, ctx()).task.backoff).toEqual(backoff);
	});

	it("fail with tries left schedules the next attempt within the backoff ceiling", () => {
		const ceiling = RETRY_BACKOFF.baseMs * RETRY_BACKOFF.factor ** (ATTEMPT - 1);
		for (const random of [0, 0.5, 0.999999]) {
			const { task, effects } = accepted(transition(taskIn("PROCESSING"), EVENTS.fail as TaskEvent, ctx(random)));
			expect(task).toMatchObject({ status: "SCHEDULED", attempt: ATTEMPT + 1, retry_count: 2, error_code: "BOOM", timeout_at: null });
			const runAt = Date.parse(task.run_at ?? "");
			expect(runAt).toBeGreaterThanOrEqual(NOW);
			expect(runAt).toBeLessThanOrEqual(NOW + ceiling);
			expect(effects).toEqual([{ type: "release", attempt: ATTEMPT }]);
		}
	});

	it("fail with no tries left is FAILED", () => {
		const { task } = accepted(transition(taskIn("PROCESSING", { retry_count: 3 }), EVENTS.fail as TaskEvent, ctx()));
		expect(task).toMatchObject({ status: "FAILED", attempt: ATTEMPT, retry_count: 3, error_code: "BOOM" });
		expect(task.completed_at).toBe(new Date(NOW).toISOString());
		expect(task.duration_seconds).toBe(10);
	});

	it("a non-retryable failure is FAILED at once", () => {
		const event: TaskEvent = { type: "fail", attempt: ATTEMPT, error: { ...failure, retryable: false } };
		expect(accepted(transition(taskIn("PROCESSING"), event, ctx())).task).toMatchObject({ status: "FAILED", retry_count: 1 });
	});

	it("timeout fails the attempt with TIMEOUT, retryable", () => {
		const retried = accepted(transition(taskIn("PROCESSING"), EVENTS.timeout as TaskEvent, ctx())).task;
		expect(retried).toMatchObject({ status: "SCHEDULED", attempt: ATTEMPT + 1, error_code: "TIMEOUT" });
		const last = accepted(transition(taskIn("PROCESSING", { retry_count: 3 }), EVENTS.timeout as TaskEvent, ctx())).task;
		expect(last).toMatchObject({ status: "FAILED", error_code: "TIMEOUT", retry_count: 3 });
	});

	it.each(["fail", "timeout"] as const)("%s while a cancel is requested is CANCELED, with no retry", (event) => {
		const { task } = accepted(transition(taskIn("PROCESSING", { cancel_requested: true }), EVENTS[event] as TaskEvent, ctx()));
		expect(task).toMatchObject({ status: "CANCELED", attempt: ATTEMPT, retry_count: 1 });
	});

	it("complete while a cancel is requested is COMPLETED: the work was done", () => {
		const { task } = accepted(transition(taskIn("PROCESSING", { cancel_requested: true }), EVENTS.complete as TaskEvent, ctx()));
		expect(task).toMatchObject({ status: "COMPLETED", result: { ok: true }, timeout_at: null });
	});

	it("complete with item errors is COMPLETED_WITH_ERRORS", () => {
		const errors = [{ item: "row 7", code: "BAD_ROW", message: "unparseable" }];
		const event: TaskEvent = { type: "complete", attempt: ATTEMPT, result: { rows: 9 }, errors };
		expect(accepted(transition(taskIn("PROCESSING"), event, ctx())).task).toMatchObject({ status: "COMPLETED_WITH_ERRORS", errors });
	});

	it("a completion after a failed attempt clears that attempt's error; a partial success keeps only its item errors", () => {
		const failedBefore = { error_code: "BOOM", error_message: "it broke" };
		const done = accepted(transition(taskIn("PROCESSING", failedBefore), EVENTS.complete as TaskEvent, ctx())).task;
		expect(done).toMatchObject({ status: "COMPLETED", error_code: null, error_message: null, errors: [] });
		const errors = [{ item: "row 7", code: "BAD_ROW", message: "unparseable" }];
		const event: TaskEvent = { type: "complete", attempt: ATTEMPT, result: { rows: 9 }, errors };
		const partial = accepted(transition(taskIn("PROCESSING", failedBefore), event, ctx())).task;
		expect(partial).toMatchObject({ status: "COMPLETED_WITH_ERRORS", error_code: null, error_message: null, errors });
	});

	it("progress is stored without a history note", () => {
		const { task, note } = accepted(transition(taskIn("PROCESSING"), EVENTS.progress as TaskEvent, ctx()));
		expect(task.progress).toEqual({ percent: 50, done: 1, total: 2, message: "half" });
		expect(note).toBeNull();
	});

	it("soft cancel of PROCESSING requests it, with a deadline when grace is given; a second is a no-op", () => {
		const plain = accepted(transition(taskIn("PROCESSING"), EVENTS["cancel soft"] as TaskEvent, ctx())).task;
		expect(plain).toMatchObject({ status: "PROCESSING", cancel_requested: true, cancel_deadline_at: null });
		const graced = accepted(transition(taskIn("PROCESSING"), { type: "cancel", mode: "soft", grace_seconds: 30 }, ctx())).task;
		expect(graced.cancel_deadline_at).toBe(NOW + 30_000);
		const again = accepted(transition(graced, { type: "cancel", mode: "soft" }, ctx()));
		expect(again.task).toBe(graced);
		expect(again.note).toBeNull();
	});

	it("escalate_cancel turns a requested soft cancel hard", () => {
		const requested = taskIn("PROCESSING", { cancel_requested: true, cancel_deadline_at: NOW });
		expect(accepted(transition(requested, { type: "escalate_cancel" }, ctx())).task).toMatchObject({
			status: "CANCELED",
			cancel_deadline_at: null,
			timeout_at: null,
		});
	});

	it.each(["PENDING", "SCHEDULED", "QUEUED", "PROCESSING"] as const)("hard cancel of %s is CANCELED at once", (status) => {
		const { task, effects } = accepted(transition(taskIn(status), EVENTS["cancel hard"] as TaskEvent, ctx()));
		expect(task).toMatchObject({ status: "CANCELED", cancel_requested: true, completed_at: new Date(NOW).toISOString() });
		// A SCHEDULED attempt never offered itself, so it has no turn to give back.
		expect(effects).toEqual(status === "SCHEDULED" ? [] : [{ type: "release", attempt: ATTEMPT }]);
	});

	it.each(["progress", "complete", "fail"] as const)("a %s report after a hard cancel is fenced", (event) => {
		const canceled = accepted(transition(taskIn("PROCESSING"), EVENTS["cancel hard"] as TaskEvent, ctx())).task;
		expect(transition(canceled, EVENTS[event] as TaskEvent, ctx())).toMatchObject({ ok: false, code: "CONFLICT" });
	});

	it.each(["progress", "complete", "fail", "timeout"] as const)("a %s report from an earlier attempt is stale", (event) => {
		const stale = { ...(EVENTS[event] as TaskEvent), attempt: ATTEMPT - 1 } as TaskEvent;
		expect(transition(taskIn("PROCESSING"), stale, ctx())).toMatchObject({ ok: false, code: "STALE_ATTEMPT" });
	});
});

describe("manual retry", () => {
	it.each(["FAILED", "CANCELED"] as const)("retries %s within max_retries as a new attempt", (status) => {
		const before = taskIn(status, { error_code: "BOOM", cancel_requested: status === "CANCELED" });
		const { task, effects } = accepted(transition(before, EVENTS.retry as TaskEvent, ctx()));
		expect(task).toMatchObject({
			status: "PENDING",
			attempt: ATTEMPT + 1,
			retry_count: 2,
			error_code: null,
			completed_at: null,
			cancel_requested: false,
		});
		expect(effects).toEqual([{ type: "offer", attempt: ATTEMPT + 1 }]);
	});

	it("refuses beyond max_retries unless reset_attempts", () => {
		const spent = taskIn("FAILED", { retry_count: 3 });
		const refused = transition(spent, EVENTS.retry as TaskEvent, ctx());
		expect(refused).toMatchObject({ ok: false, code: "CONFLICT" });
		expect(refused.ok ? "" : refused.reason).toMatch(/reset_attempts/);
		const reset = accepted(transition(spent, { type: "retry", reset_attempts: true }, ctx())).task;
		expect(reset).toMatchObject({ status: "PENDING", attempt: ATTEMPT + 1, retry_count: 0 });
	});
});

describe("createTask", () => {
	it("is PENDING and asks for a turn when it may run now", () => {
		const { task, effects, note } = createTask(spec, ctx());
		expect(task).toMatchObject({ status: "PENDING", attempt: 1, retry_count: 0, version: 1, cancel_requested: false, run_at: null });
		expect(effects).toEqual([{ type: "offer", attempt: 1 }]);
		expect(note).toMatchObject({ type: "created", from_status: null, to_status: "PENDING" });
	});

	it("is SCHEDULED with no effect when run_at is in the future", () => {
		const { task, effects } = createTask({ ...spec, run_at: NOW + 60_000 }, ctx());
		expect(task).toMatchObject({ status: "SCHEDULED", run_at: new Date(NOW + 60_000).toISOString() });
		expect(effects).toEqual([]);
	});

	it("is PENDING when run_at has already passed", () => {
		expect(createTask({ ...spec, run_at: NOW - 1 }, ctx()).task.status).toBe("PENDING");
	});
});

describe("deadlines", () => {
	const PURGE = 7 * 86_400_000;
	it.each([
		["SCHEDULED", {}, [{ at: NOW + 1_000, event: { type: "wake" } }]],
		[
			"PROCESSING",
			{},
			[
				{ at: NOW + 50_000, event: { type: "timeout", attempt: ATTEMPT } },
				{ at: NOW - 1, event: { type: "lease_expired", attempt: ATTEMPT } },
			],
		],
		["PROCESSING", { lease_ms: null, lease_deadline: null }, [{ at: NOW + 50_000, event: { type: "timeout", attempt: ATTEMPT } }]],
		[
			"PROCESSING",
			{ cancel_requested: true, cancel_deadline_at: NOW + 5_000 },
			[
				{ at: NOW + 50_000, event: { type: "timeout", attempt: ATTEMPT } },
				{ at: NOW - 1, event: { type: "lease_expired", attempt: ATTEMPT } },
				{ at: NOW + 5_000, event: { type: "escalate_cancel" } },
			],
		],
		["COMPLETED", {}, [{ at: NOW - 1_000 + PURGE, event: "purge" }]],
		["FAILED", {}, [{ at: NOW - 1_000 + PURGE, event: "purge" }]],
		["PENDING", {}, []],
		["QUEUED", {}, []],
		["QUEUED", { redeliver_at: NOW + 30_000 }, [{ at: NOW + 30_000, event: { type: "redeliver", attempt: ATTEMPT } }]],
	] as const)("%s %o waits on %o", (status, overrides, expected) => {
		expect(deadlines(taskIn(status, overrides), PURGE)).toEqual(expected);
	});
});

describe("leases", () => {
	const running = (remainingMs: number) =>
		taskIn("PROCESSING", {
			lease_ms: LEASE_MS,
			lease_deadline: NOW + remainingMs,
			lease_expires_at: new Date(NOW + remainingMs).toISOString(),
		});

	it("start and claim grant a lease from now and record the attempt's token", () => {
		const started = accepted(transition(taskIn("QUEUED"), EVENTS.start as TaskEvent, ctx())).task;
		expect(started).toMatchObject({
			lease_ms: LEASE_MS,
			lease_deadline: NOW + LEASE_MS,
			lease_expires_at: new Date(NOW + LEASE_MS).toISOString(),
		});
		expect(started.tokens).toEqual([{ attempt: ATTEMPT, hash: "h2" }]);
		const pull = taskIn("PENDING", { execution: "pull" });
		const claimed = accepted(transition(pull, EVENTS.claim as TaskEvent, ctx()));
		expect(claimed.task).toMatchObject({
			status: "PROCESSING",
			lease_deadline: NOW + LEASE_MS,
			tokens: [{ attempt: ATTEMPT, hash: "h2" }],
		});
		expect(claimed.effects).toEqual([]);
		expect(claimed.note).toMatchObject({ type: "claimed", data: { runner: "worker-1" } });
	});

	it("a heartbeat renews only when less than half the lease remains, and is no new version", () => {
		const fresh = running(LEASE_MS / 2 + 1);
		expect(accepted(transition(fresh, EVENTS.heartbeat as TaskEvent, ctx())).task).toBe(fresh);
		const late = running(LEASE_MS / 2 - 1);
		const renewed = accepted(transition(late, EVENTS.heartbeat as TaskEvent, ctx())).task;
		expect(renewed).toMatchObject({ lease_deadline: NOW + LEASE_MS, version: late.version });
	});

	it("progress renews the lease too", () => {
		const task = accepted(transition(running(1_000), EVENTS.progress as TaskEvent, ctx())).task;
		expect(task.lease_deadline).toBe(NOW + LEASE_MS);
	});

	it("an expired lease fails the attempt with LEASE_EXPIRED, retryable; a lease not yet run out is kept", () => {
		expect(transition(running(1), EVENTS.lease_expired as TaskEvent, ctx())).toMatchObject({ ok: false, code: "CONFLICT" });
		const { task, note } = accepted(transition(running(0), EVENTS.lease_expired as TaskEvent, ctx()));
		expect(task).toMatchObject({
			status: "SCHEDULED",
			attempt: ATTEMPT + 1,
			error_code: "LEASE_EXPIRED",
			lease_deadline: null,
			lease_expires_at: null,
		});
		expect(note?.type).toBe("lease_expired");
	});

	it.each(["complete", "fail", "cancel hard"] as const)("%s ends the lease", (event) => {
		const { task } = accepted(transition(running(30_000), EVENTS[event] as TaskEvent, ctx()));
		expect(task).toMatchObject({ lease_ms: null, lease_deadline: null, lease_expires_at: null });
	});
});

describe("execution modes", () => {
	const externalSpec: NewTask = { ...spec, execution: "external", token_hash: "h1" };

	it("a pull task is never queued: only a claim starts it; other modes cannot be claimed", () => {
		expect(transition(taskIn("PENDING", { execution: "pull" }), EVENTS.dispatch as TaskEvent, ctx())).toMatchObject({
			ok: false,
			code: "STALE_ATTEMPT",
		});
		expect(transition(taskIn("PENDING"), EVENTS.claim as TaskEvent, ctx())).toMatchObject({ ok: false, code: "STALE_ATTEMPT" });
		expect(
			transition(
				taskIn("PENDING", { execution: "pull" }),
				{ type: "claim", attempt: 1, lease_ms: LEASE_MS, token_hash: "h1", runner: "worker-1" },
				ctx(),
			),
		).toMatchObject({
			ok: false,
			code: "STALE_ATTEMPT",
		});
	});

	it("an external task is tracked, not dispatched: created PENDING with its token and no offer", () => {
		const created = createTask(externalSpec, ctx());
		expect(created.task).toMatchObject({ status: "PENDING", execution: "external", tokens: [{ attempt: 1, hash: "h1" }] });
		expect(created.effects).toEqual([]);
		const woken = accepted(transition({ ...taskIn("SCHEDULED"), execution: "external" }, EVENTS.wake as TaskEvent, ctx()));
		expect(woken.effects).toEqual([]);
	});

	it("an external task starts from PENDING, keeping its token; without lease_ms it has no lease", () => {
		const created = createTask(externalSpec, ctx()).task;
		const event: TaskEvent = { type: "start", attempt: 1, lease_ms: null, token_hash: null, runner: "external" };
		const { task, effects } = accepted(transition(created, event, ctx()));
		expect(task).toMatchObject({ status: "PROCESSING", lease_deadline: null, tokens: [{ attempt: 1, hash: "h1" }] });
		expect(effects).toEqual([]);
		expect(transition(taskIn("QUEUED", { execution: "external" }), EVENTS.start as TaskEvent, ctx())).toMatchObject({ ok: false });
	});

	it("an external task is never retried on its own; a manual retry gives its new attempt a token and no offer", () => {
		const external = taskIn("PROCESSING", { execution: "external" });
		const failed = accepted(transition(external, EVENTS.fail as TaskEvent, ctx())).task;
		expect(failed).toMatchObject({ status: "FAILED", attempt: ATTEMPT });
		const retried = accepted(transition(failed, { type: "retry", reset_attempts: true, token_hash: "h3" }, ctx()));
		expect(retried.task).toMatchObject({ status: "PENDING", attempt: ATTEMPT + 1 });
		expect(retried.task.tokens.at(-1)).toEqual({ attempt: ATTEMPT + 1, hash: "h3" });
		expect(retried.effects).toEqual([]);
	});
});
