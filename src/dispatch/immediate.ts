/**
 * The interim dispatcher: every offer is granted at once, so a namespace has no concurrency
 * limit, priority order or rate limit yet. It stands where the NamespaceObject will (DESIGN §
 * Dispatch) and keeps its contract: an offer's answer does not acknowledge history, a release
 * or a record resolves once D1 holds the snapshot.
 */
import { historyDb } from "../history/db";
import { saveTaskSnapshot } from "../history/tasks";
import { count } from "../usage";
import type { Dispatcher, HistorySnapshot, Offer, OfferAnswer, Release } from "./protocol";

export class ImmediateDispatcher implements Dispatcher {
	constructor(private readonly env: Env) {}

	/**
	 * Granted at once, except a pull offer: it waits for a worker's claim, which this interim
	 * dispatcher has no ready set to serve. The snapshot is written on the way so the task shows in lists early, but a
	 * failed write does not refuse the turn: the task's outbox still owes that version to history.
	 */
	async offer(offer: Offer): Promise<OfferAnswer> {
		try {
			await this.write(offer.snapshot);
		} catch (error) {
			console.warn("taskplane: history write with an offer failed; the task still owes it", offer.task_id, error);
		}
		if (offer.execution === "pull") {
			return { granted: false, waiting: { reason: "worker", since: new Date().toISOString() } };
		}
		return { granted: true };
	}

	/** There is no slot to free; the snapshot is what must land. Throws when D1 refuses it. */
	release(release: Release): Promise<void> {
		return this.write(release.snapshot);
	}

	/** Throws when D1 refuses the snapshot. */
	record(snapshot: HistorySnapshot): Promise<void> {
		return this.write(snapshot);
	}

	private async write(snapshot: HistorySnapshot): Promise<void> {
		count("d1_rows_written", await saveTaskSnapshot(historyDb(this.env.DB), snapshot.tenant, snapshot.task));
	}
}
