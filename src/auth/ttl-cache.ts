/**
 * A per-isolate cache with expiry and a size bound. Time is passed in, so tests move the clock
 * instead of sleeping. Map keeps insertion order, so the first key is the oldest to evict.
 */
export class TtlCache<V> {
	private readonly entries = new Map<string, { value: V; expires: number }>();

	constructor(
		readonly ttlMs: number,
		private readonly maxEntries = 10_000,
	) {}

	get(key: string, now: number): V | undefined {
		const entry = this.entries.get(key);
		if (!entry) {
			return undefined;
		}
		if (entry.expires <= now) {
			this.entries.delete(key);
			return undefined;
		}
		return entry.value;
	}

	set(key: string, value: V, now: number): void {
		this.entries.delete(key);
		if (this.entries.size >= this.maxEntries) {
			const oldest = this.entries.keys().next().value;
			if (oldest !== undefined) {
				this.entries.delete(oldest);
			}
		}
		this.entries.set(key, { value, expires: now + this.ttlMs });
	}

	delete(key: string): void {
		this.entries.delete(key);
	}
}
