/**
 * The NamespaceObject's clock and alarm. Each `setAlarm` is a write, so the alarm time set is
 * remembered and a later-or-equal one is never set again (an early alarm re-arms when it fires).
 */

/** A slot nobody released for this long is checked with its task (`holdsTurn`), then every as long again. */
export const RECONCILE_AFTER_MS = 5 * 60_000;

export class NamespaceClock {
	/** The alarm time set, as far as this instance knows (undefined: not read yet). */
	private armedAt: number | null | undefined;
	/**
	 * Time never runs backwards here, and a fired alarm counts as the moment it was armed for
	 * (alarms may fire early, and `runDurableObjectAlarm` fires them at once): tokens due by then
	 * are due, which is what lets a test step a rate limit without sleeping.
	 */
	private floor = 0;

	constructor(private readonly storage: DurableObjectStorage) {}

	/** Epoch ms, never earlier than a time this clock already gave or an alarm stood for. */
	now(): number {
		this.floor = Math.max(this.floor, Date.now());
		return this.floor;
	}

	/** Called as the alarm fires: nothing is armed any more, and the time it was armed for has come. */
	async fired(): Promise<void> {
		const armed = this.armedAt ?? (await this.storage.getAlarm());
		this.armedAt = null;
		this.floor = Math.max(this.floor, armed ?? 0);
	}

	/**
	 * Keeps an alarm armed while slots are held, for reconciliation; a token wait arms an earlier one.
	 * `oldestConfirmation`: epoch ms the longest-unchecked slot was granted or checked, null for none.
	 */
	async armReconcile(oldestConfirmation: () => number | null): Promise<void> {
		if (this.armedAt === undefined) {
			this.armedAt = await this.storage.getAlarm();
		}
		if (this.armedAt !== null) {
			// Whatever it was armed for, the alarm re-arms for reconciliation when it fires.
			return;
		}
		const oldest = oldestConfirmation();
		if (oldest !== null) {
			await this.arm(oldest + RECONCILE_AFTER_MS);
		}
	}

	/** Arms the alarm for `at` (epoch ms) unless one is armed no later: an early alarm re-arms when it fires. */
	async arm(at: number): Promise<void> {
		if (this.armedAt === undefined) {
			this.armedAt = await this.storage.getAlarm();
		}
		if (this.armedAt !== null && this.armedAt <= at) {
			return;
		}
		this.armedAt = at;
		await this.storage.setAlarm(at);
	}
}
