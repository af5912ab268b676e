import { createHash } from 'node:crypto';

/** A short cache key for what a result depends on besides its fingerprint (any JSON-serializable parts). */
export const cacheKeyOf = (parts: unknown[]): string =>
  createHash('sha256').update(JSON.stringify(parts)).digest('base64url');

interface Entry<T> {
  fingerprint: string;
  value: Promise<T>;
  /** 1 per entry, or with `weigh` its value's weight once computed (0 until then). */
  weight: number;
}

/**
 * Results computed from stored facts, kept while those facts are unchanged. The caller reads a fingerprint of
 * the facts a result depends on (cheaply, from the database, on every request) and an entry is reused only at
 * the fingerprint it was computed at, so a change is never served stale. Concurrent requests for the same key
 * and fingerprint share one computation; a failed one is not kept. Past `capacity`, the least recently used
 * entries go first: `capacity` counts entries, or with `weigh` the total weight of the computed values (for
 * values whose size varies by orders of magnitude).
 */
export class FingerprintedCache<T> {
  private readonly entries = new Map<string, Entry<T>>();
  private total = 0;

  constructor(
    private readonly capacity: number,
    private readonly weigh?: (value: T) => number,
  ) {}

  get(key: string, fingerprint: string, compute: () => Promise<T>): Promise<T> {
    const hit = this.entries.get(key);
    if (hit?.fingerprint === fingerprint) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit.value;
    }
    if (hit) this.remove(key, hit);
    const entry: Entry<T> = {
      fingerprint,
      value: Promise.resolve().then(compute),
      weight: this.weigh ? 0 : 1,
    };
    this.entries.set(key, entry);
    this.total += entry.weight;
    entry.value.then(
      (value) => {
        if (!this.weigh || this.entries.get(key) !== entry) return;
        entry.weight = this.weigh(value);
        this.total += entry.weight;
        this.evict();
      },
      () => {
        if (this.entries.get(key) === entry) this.remove(key, entry);
      },
    );
    this.evict();
    return entry.value;
  }

  /** Whether `get` would reuse an entry (kept or being computed) for this key at this fingerprint. */
  has(key: string, fingerprint: string): boolean {
    return this.entries.get(key)?.fingerprint === fingerprint;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Entries kept, or with `weigh` the total weight of those computed. */
  get used(): number {
    return this.total;
  }

  private remove(key: string, entry: Entry<T>): void {
    this.entries.delete(key);
    this.total -= entry.weight;
  }

  private evict(): void {
    for (const [key, entry] of this.entries) {
      if (this.total <= this.capacity) break;
      // Still being computed: weighs nothing yet, and a request may be waiting on it.
      if (entry.weight > 0) this.remove(key, entry);
    }
  }
}
