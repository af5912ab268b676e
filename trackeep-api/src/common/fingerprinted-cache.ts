import { createHash } from 'node:crypto';

/** A short cache key for what a result depends on besides its fingerprint (any JSON-serializable parts). */
export const cacheKeyOf = (parts: unknown[]): string =>
  createHash('sha256').update(JSON.stringify(parts)).digest('base64url');

/**
 * Results computed from stored facts, kept while those facts are unchanged. The caller reads a fingerprint of
 * the facts a result depends on (cheaply, from the database, on every request) and an entry is reused only at
 * the fingerprint it was computed at, so a change is never served stale. Concurrent requests for the same key
 * and fingerprint share one computation; a failed one is not kept. Past `capacity` entries, the least recently
 * used goes first.
 */
export class FingerprintedCache<T> {
  private readonly entries = new Map<string, { fingerprint: string; value: Promise<T> }>();

  constructor(private readonly capacity: number) {}

  get(key: string, fingerprint: string, compute: () => Promise<T>): Promise<T> {
    const hit = this.entries.get(key);
    if (hit) this.entries.delete(key);
    if (hit?.fingerprint === fingerprint) {
      this.entries.set(key, hit);
      return hit.value;
    }
    const entry = { fingerprint, value: Promise.resolve().then(compute) };
    this.entries.set(key, entry);
    entry.value.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.capacity) break;
      this.entries.delete(oldest);
    }
    return entry.value;
  }

  /** Whether `get` would reuse an entry (kept or being computed) for this key at this fingerprint. */
  has(key: string, fingerprint: string): boolean {
    return this.entries.get(key)?.fingerprint === fingerprint;
  }

  get size(): number {
    return this.entries.size;
  }
}
