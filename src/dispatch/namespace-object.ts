/**
 * NamespaceObject: one per tenant+namespace (named `tenant:namespace`), the dispatcher that
 * grants its tasks their turns (ARCHITECTURE.md § Dispatch). It holds the ready set (priority, higher
 * first, then creation order), the running set (one slot per attempt holding a turn), the
 * limits (max_concurrency, a token bucket per task type, paused) and the group commit of its
 * tasks' history snapshots to D1.
 *
 * Selection is synchronous (a slot is taken in storage before any await), so concurrent calls
 * never grant past the limit; the grants themselves (`TaskObject.grant`) then go out in parallel.
 */
import { DurableObject } from "cloudflare:workers";
import type { AttemptLease } from "../execute/protocol";
import { BUILTIN_REGISTRY, type TypeRegistry } from "../execute/task-types";
import { tenantRegistry } from "../execute/tenant-registry";
import { historyDb } from "../history/db";
import { listNamespace } from "../history/namespaces";
import { saveTaskSnapshots } from "../history/tasks";
import { taskStub } from "../task/stub";
import { count } from "../usage";
import { type ClaimAnswer, type ClaimRequest, claimEach, pickClaimable } from "./claims";
import { GroupCommit, HOLD_MS } from "./group-commit";
import { DEFAULT_LIMITS, type NamespaceLimits, rateLimitOf, TypeBuckets } from "./limits";
import { NamespaceClock, RECONCILE_AFTER_MS } from "./namespace-clock";
import { iso, type NamespaceStatus, statusOf, waitingOf } from "./namespace-status";
import { type ClaimableTask, type NamespaceConfig, NamespaceStorage, type ReadyTask, type Slot } from "./namespace-storage";
import type { Dispatcher, HistorySnapshot, Offer, OfferAnswer, Release, Waiting } from "./protocol";
import { type WorkerInfo, WorkerRegistry } from "./workers";

export { RECONCILE_AFTER_MS } from "./namespace-clock";
export type { NamespaceStatus } from "./namespace-status";

/** At most this many slots are checked per alarm, so one alarm stays short. */
const RECONCILE_BATCH = 50;
/** A grant the task never answered (unreachable) is tried again after this long. */
const GRANT_RETRY_MS = 1_000;

export class NamespaceObject extends DurableObject<Env> implements Dispatcher {
	private readonly storage: NamespaceStorage;
	private readonly buckets = new TypeBuckets();
	private registry: TypeRegistry = BUILTIN_REGISTRY;
	private readonly history: GroupCommit;
	private readonly workers = new WorkerRegistry();
	private current: NamespaceConfig | null;
	private readonly clock: NamespaceClock;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.storage = new NamespaceStorage(ctx.storage);
		this.clock = new NamespaceClock(ctx.storage);
		this.current = this.storage.config();
		this.history = new GroupCommit((snapshots) => this.writeHistory(snapshots));
	}

	/**
	 * The turn is decided first (synchronously, see the class comment). A granted offer is
	 * answered at once: the task starts without waiting for D1, and its snapshot is held in the
	 * group commit for HOLD_MS, where the release of a task that ends by then replaces it (one D1
	 * write of the task instead of two). A waiting offer's answer waits for the group commit, so
	 * the task need not send the same state to history again while it waits (under load, that
	 * second write was a request and a D1 update per task).
	 */
	async offer(offer: Offer): Promise<OfferAnswer> {
		count("do_requests");
		const answer = await this.decide(offer);
		if (answer.granted) {
			// Held for the release that may soon replace it; not acknowledged: the task owes this
			// state to history until its release carries a later one.
			void this.history.add(offer.snapshot, HOLD_MS).catch(() => undefined);
			return { ...answer, recorded: false };
		}
		// A failed write is the task's to repeat (its history delivery stays owed).
		const recorded = await this.history.add(offer.snapshot).then(
			() => true,
			() => false,
		);
		return { ...answer, recorded };
	}

	private async decide(offer: Offer): Promise<OfferAnswer> {
		await this.loadRegistry(offer.tenant);
		const now = this.now();
		const config = this.identify(offer.tenant, offer.namespace);
		if (offer.execution === "pull") {
			return this.offerClaimable(offer, config, now);
		}
		const slot = this.storage.slot(offer.task_id);
		if (slot && slot.attempt >= offer.attempt) {
			return { granted: true };
		}
		if (slot) {
			// A new attempt's offer means the old attempt's release was lost on the way.
			this.storage.freeSlot(offer.task_id, slot.attempt);
		}
		const waiting = this.storage.readyTask(offer.task_id);
		if (waiting && waiting.attempt >= offer.attempt) {
			return { granted: false, waiting: this.waitingOf(waiting, config, now, false) };
		}
		const task: ReadyTask = {
			task_id: offer.task_id,
			attempt: offer.attempt,
			priority: offer.priority,
			created_at: offer.created_at,
			task_type: offer.task_type,
			offered_at: now,
		};
		// By the time any call returns, every ready task that could go has gone: a free slot means the
		// waiting ones lack tokens. So a new offer may take a slot directly unless its own type waits.
		const free = !config.paused && this.storage.running() < config.max_concurrency;
		if (free && this.storage.readyOfType(task.task_type) === 0) {
			if (this.buckets.take(rateLimitOf(config, task.task_type, this.registry), task.task_type, now) === 0) {
				this.storage.takeSlot({ task_id: task.task_id, attempt: task.attempt, task_type: task.task_type, granted_at: now });
				await this.armReconcile();
				return { granted: true };
			}
		}
		this.storage.addReady(task);
		// An older task of its type may have a token again, and this one may come right behind it.
		if (await this.grantNext(task.task_id)) {
			return { granted: true };
		}
		return { granted: false, waiting: this.waitingOf(task, config, this.now(), false) };
	}

	async release(release: Release): Promise<void> {
		count("do_requests");
		await this.loadRegistry(this.current?.tenant);
		const freed = this.storage.freeSlot(release.task_id, release.attempt);
		const unqueued = this.storage.removeReady(release.task_id, release.attempt);
		this.storage.removeClaimable(release.task_id, release.attempt);
		this.workers.released(release.task_id);
		const written = this.history.add(release.snapshot);
		await Promise.all([freed || unqueued ? this.grantNext() : null, written]);
		if (freed) {
			this.workers.wake();
		}
	}

	/**
	 * A worker's claim: up to `max` matching pull tasks in order (priority, then age), within
	 * max_concurrency, the rate limits and pause, each moved to PROCESSING by its task
	 * (`claimAttempt`) with a fresh token and lease. When nothing can be claimed the claim is
	 * held open up to `wait_ms` and answers as soon as something can (an offer, a freed slot, a
	 * resume, a token back); empty when the wait runs out.
	 */
	async claim(request: ClaimRequest): Promise<ClaimAnswer> {
		count("do_requests");
		await this.loadRegistry(request.tenant);
		this.identify(request.tenant, request.namespace);
		this.workers.seen(request.worker_id, request, this.now());
		const deadline = this.now() + request.wait_ms;
		for (;;) {
			if (this.workers.isAbandoned(request.claim_id, true)) {
				return { tasks: [] };
			}
			const now = this.now();
			const picked = pickClaimable(this.storage, this.buckets, this.require(), request, now, this.registry);
			if (picked.tasks.length > 0) {
				const handed = await this.hand(request, picked.tasks);
				if (handed.leases.length > 0 || handed.unreachable) {
					return { tasks: handed.leases };
				}
				// Every pick was refused (cancelled meanwhile): those are gone, so look again.
				continue;
			}
			if (now >= deadline) {
				return { tasks: [] };
			}
			await this.workers.wait(request.worker_id, request.claim_id, Math.min(deadline, picked.next_token_at ?? deadline), now);
		}
	}

	/**
	 * The worker behind `claimId` disconnected while its claim was held: the claim answers empty
	 * instead of taking a task that nobody would receive (which would then wait a whole lease).
	 */
	async abandonClaim(claimId: string): Promise<void> {
		count("do_requests");
		this.workers.abandon(claimId);
	}

	/** The workers that claimed here recently, most recently seen first. */
	async listWorkers(namespace: string): Promise<WorkerInfo[]> {
		count("do_requests");
		return this.workers.list(namespace, this.now());
	}

	async record(snapshot: HistorySnapshot): Promise<void> {
		count("do_requests");
		await this.history.add(snapshot);
	}

	/** Why `taskId` has no turn yet; `dispatching` when its offer has not arrived (or a grant is on its way). */
	async waiting(taskId: string): Promise<Waiting> {
		count("do_requests");
		await this.loadRegistry(this.current?.tenant);
		const now = this.now();
		const claimable = this.storage.claimableTask(taskId);
		if (claimable && this.current) {
			return this.waitingOf(claimable, this.current, now);
		}
		const task = this.storage.readyTask(taskId);
		if (!task || !this.current) {
			return { reason: "dispatching", since: new Date(now).toISOString() };
		}
		return this.waitingOf(task, this.current, now);
	}

	async status(tenant: string, namespace: string): Promise<NamespaceStatus> {
		count("do_requests");
		const config = this.current ?? { ...DEFAULT_LIMITS, tenant, namespace };
		return statusOf(this.storage, config, namespace, this.now());
	}

	/** Replaces the limits (PUT) or changes only `paused`; grants what the new limits allow. */
	async configure(tenant: string, namespace: string, limits: Partial<NamespaceLimits>): Promise<NamespaceStatus> {
		count("do_requests");
		const config = this.identify(tenant, namespace);
		const paused = limits.paused ?? config.paused;
		const next: NamespaceConfig = {
			...config,
			...limits,
			paused,
			paused_since: paused ? (config.paused_since ?? this.now()) : null,
		};
		this.current = next;
		this.storage.saveConfig(next);
		if (limits.rate_limits) {
			this.buckets.reset();
		}
		// The limits hold already; a failed listing is retried the next time the object starts.
		await this.listInHistory(next).catch((error) => console.warn("taskplane: could not list a namespace in D1", namespace, error));
		await this.grantNext();
		this.workers.wake();
		return this.status(tenant, namespace);
	}

	/**
	 * Reconciles slots whose release never came (asks each task whether it still holds the turn),
	 * grants what tokens and slots now allow, and re-arms. Idempotent: alarms are at-least-once.
	 */
	override async alarm(): Promise<void> {
		count("do_requests");
		await this.loadRegistry(this.current?.tenant);
		await this.clock.fired();
		const now = this.now();
		if (this.current) {
			const stale = this.storage.staleSlots(now - RECONCILE_AFTER_MS + 1, RECONCILE_BATCH);
			await Promise.all(stale.map((slot) => this.reconcile(slot, now)));
		}
		await this.grantNext();
		await this.armReconcile();
		this.workers.wake();
	}

	/** A pull task waits for a claim: it never takes a slot from an offer. */
	private async offerClaimable(offer: Offer, config: NamespaceConfig, now: number): Promise<OfferAnswer> {
		const slot = this.storage.slot(offer.task_id);
		if (slot && slot.attempt < offer.attempt && this.storage.freeSlot(offer.task_id, slot.attempt)) {
			// A new attempt's offer means the old attempt's release was lost on the way.
			this.workers.released(offer.task_id);
			await this.grantNext();
		}
		const known = this.storage.claimableTask(offer.task_id);
		const claimed = slot !== undefined && slot.attempt >= offer.attempt;
		let task: ClaimableTask | undefined = known;
		if (!claimed && !(known && known.attempt >= offer.attempt)) {
			task = {
				task_id: offer.task_id,
				attempt: offer.attempt,
				priority: offer.priority,
				created_at: offer.created_at,
				task_type: offer.task_type,
				task_name: offer.task_name,
				offered_at: now,
			};
			this.storage.addClaimable(task);
			this.workers.wake();
		}
		// A claimed attempt's offer repeated (its outbox retried) is not granted either: the claim was its turn.
		return { granted: false, waiting: task ? this.waitingOf(task, config, now, false) : { reason: "worker", since: iso(now) } };
	}

	/**
	 * Hands each picked task to its object (`claimAttempt`). A refusal (cancelled, or no longer
	 * PENDING) frees the slot; an unreachable task is put back first in line, since whether it
	 * took the claim is unknown (if it did, its lease expires and it is offered again).
	 */
	private async hand(request: ClaimRequest, tasks: ClaimableTask[]): Promise<{ leases: AttemptLease[]; unreachable: boolean }> {
		await this.armReconcile();
		const answers = await claimEach(this.env, this.require().tenant, request, tasks);
		const leases: AttemptLease[] = [];
		let freed = false;
		let unreachable = false;
		answers.forEach((answer, i) => {
			const task = tasks[i] as ClaimableTask;
			if (answer?.ok) {
				this.workers.claimed(request.worker_id, task.task_id);
				leases.push(answer.lease);
				return;
			}
			freed = this.storage.freeSlot(task.task_id, task.attempt) || freed;
			if (answer === null) {
				unreachable = true;
				this.storage.addClaimable(task);
			}
		});
		if (freed) {
			await this.grantNext();
			this.workers.wake();
		}
		return { leases, unreachable };
	}

	private async reconcile(slot: Slot, now: number): Promise<void> {
		const config = this.require();
		let holds: boolean;
		try {
			holds = await taskStub(this.env, config.tenant, slot.task_id).holdsTurn(slot.attempt);
		} catch (error) {
			console.warn("taskplane: could not reconcile a slot; trying again later", slot.task_id, error);
			return;
		}
		if (holds) {
			this.storage.markChecked(slot.task_id, now);
		} else {
			this.storage.freeSlot(slot.task_id, slot.attempt);
		}
	}

	/**
	 * Grants the next ready tasks while a slot is free: in order, skipping (not waiting behind) a
	 * type whose bucket is empty. The skip list grows by one type per empty bucket, so a pass
	 * reads at most one row more than it grants per such type. `offering`: the task whose offer is
	 * being answered — its grant is the answer, not a call; true when it was granted.
	 */
	private async grantNext(offering?: string): Promise<boolean> {
		const config = this.current;
		if (!config || config.paused) {
			return false;
		}
		const now = this.now();
		const picked: ReadyTask[] = [];
		const empty = new Set<string>();
		let nextTokenAt: number | null = null;
		while (this.storage.running() < config.max_concurrency) {
			const task = this.storage.nextReady(empty);
			if (!task) {
				break;
			}
			const wait = this.buckets.take(rateLimitOf(config, task.task_type, this.registry), task.task_type, now);
			if (wait > 0) {
				empty.add(task.task_type);
				nextTokenAt = Math.min(nextTokenAt ?? Number.POSITIVE_INFINITY, now + wait);
				continue;
			}
			this.storage.removeReady(task.task_id, task.attempt);
			this.storage.takeSlot({ task_id: task.task_id, attempt: task.attempt, task_type: task.task_type, granted_at: now });
			picked.push(task);
		}
		if (nextTokenAt !== null) {
			await this.arm(nextTokenAt);
		}
		const calls = picked.filter((task) => task.task_id !== offering);
		if (picked.length > 0) {
			await this.armReconcile();
		}
		const refused = await Promise.all(calls.map((task) => this.grant(config, task)));
		if (refused.some(Boolean)) {
			await this.grantNext();
		}
		return calls.length < picked.length;
	}

	/** Hands the turn to the task. Answers true when the slot was freed again (the task declined). */
	private async grant(config: NamespaceConfig, task: ReadyTask): Promise<boolean> {
		let accepted: boolean;
		try {
			accepted = await taskStub(this.env, config.tenant, task.task_id).grant(task.attempt);
		} catch (error) {
			// Unknown whether the task took the turn: it waits again, first in line, and the alarm retries.
			console.warn("taskplane: grant failed; retrying from the alarm", task.task_id, error);
			if (this.storage.freeSlot(task.task_id, task.attempt)) {
				this.storage.addReady(task);
				await this.arm(this.now() + GRANT_RETRY_MS);
			}
			return false;
		}
		return accepted ? false : this.storage.freeSlot(task.task_id, task.attempt);
	}

	/** Why `task` waits (namespace-status.ts); `withPosition` only for a reader asking why. */
	private waitingOf(task: ReadyTask | ClaimableTask, config: NamespaceConfig, now: number, withPosition = true): Waiting {
		return waitingOf({ storage: this.storage, buckets: this.buckets, registry: this.registry }, task, config, now, withPosition);
	}

	/**
	 * The tenant's task types, for their rate limits: from the isolate's cache
	 * (src/execute/tenant-registry.ts), so a D1 read at most every few seconds, never per offer.
	 * Loaded before any synchronous grant decision; a failed read keeps the last registry.
	 */
	private async loadRegistry(tenant: string | undefined): Promise<void> {
		if (tenant === undefined) {
			return;
		}
		try {
			this.registry = await tenantRegistry(this.env.DB, tenant);
		} catch (error) {
			console.warn("taskplane: task types unreadable; rate limits from the last ones read", tenant, error);
		}
	}

	/** The stored configuration, created with the defaults the first time the namespace is seen. */
	private identify(tenant: string, namespace: string): NamespaceConfig {
		if (!this.current) {
			this.current = { ...DEFAULT_LIMITS, tenant, namespace, paused_since: null, listed: false };
			this.storage.saveConfig(this.current);
		}
		if (!this.current.listed) {
			// Off the offer's path: the list of namespaces may learn of this one a moment later.
			this.ctx.waitUntil(this.listInHistory(this.current).catch(() => undefined));
		}
		return this.current;
	}

	/** Adds the namespace to D1's list of namespaces once (the object remembers it did). */
	private async listInHistory(config: NamespaceConfig): Promise<void> {
		if (config.listed) {
			return;
		}
		await listNamespace(historyDb(this.env.DB), config.tenant, config.namespace, this.now());
		count("d1_round_trips");
		config.listed = true;
		this.storage.saveConfig(config);
	}

	private async writeHistory(snapshots: HistorySnapshot[]): Promise<void> {
		count("d1_round_trips");
		count("d1_rows_written", await saveTaskSnapshots(historyDb(this.env.DB), snapshots));
	}

	/** Keeps an alarm armed while slots are held, for reconciliation (namespace-clock.ts). */
	private armReconcile(): Promise<void> {
		return this.clock.armReconcile(() => this.storage.oldestConfirmation());
	}

	private arm(at: number): Promise<void> {
		return this.clock.arm(at);
	}

	private now(): number {
		return this.clock.now();
	}

	private require(): NamespaceConfig {
		if (!this.current) {
			throw new Error("namespace used before it was identified");
		}
		return this.current;
	}
}
