/**
 * GitHub's primary limits (per user per hour, per resource) and secondary limits
 * (concurrency, points per minute), as documented for the REST and GraphQL APIs.
 */
export type RateResource = 'core' | 'graphql' | 'search';

export interface RateBucket {
  resource: RateResource;
  limit: number;
  used: number;
  /** Epoch seconds when the window resets. */
  reset: number;
}

export interface RateLimits {
  core: number;
  graphql: number;
  search: number;
  anonymousCore: number;
  secondary: boolean;
  concurrency: number;
  restPointsPerMinute: number;
  graphqlPointsPerMinute: number;
  /** How a GraphQL request counts toward graphqlPointsPerMinute (see GithubSimOptions.rateLimit.secondary). */
  graphqlMinuteCharge: 'documented' | 'queryCost';
}

export const DEFAULT_LIMITS: RateLimits = {
  core: 5000,
  graphql: 5000,
  search: 30,
  anonymousCore: 60,
  secondary: true,
  concurrency: 100,
  restPointsPerMinute: 900,
  graphqlPointsPerMinute: 2000,
  graphqlMinuteCharge: 'documented',
};

const WINDOW_MS = 3_600_000;

export class RateLimiter {
  private readonly buckets = new Map<string, RateBucket>();
  private readonly inFlight = new Map<string, number>();
  private readonly minute = new Map<string, { start: number; points: number }>();
  /** Primary limits of keys whose budget is their own (installations), for core and graphql. */
  private readonly keyLimits = new Map<string, number>();
  exhausted: { core: boolean; graphql: boolean } = { core: false, graphql: false };

  constructor(readonly limits: RateLimits) {}

  /** Sets a key's hourly limit (installations: 5,000 and more by size); a live window takes the new limit. */
  setKeyLimit(key: string, limit: number): void {
    this.keyLimits.set(key, limit);
  }

  private limitOf(key: string, resource: RateResource): number {
    if (resource === 'core' && key.startsWith('ip:')) return this.limits.anonymousCore;
    const own = this.keyLimits.get(key);
    if (own !== undefined && resource !== 'search') return own;
    return this.limits[resource];
  }

  bucket(key: string, resource: RateResource): RateBucket {
    const id = `${resource}|${key}`;
    const now = Date.now();
    let b = this.buckets.get(id);
    if (!b || b.reset * 1000 <= now) {
      b = {
        resource,
        limit: this.limitOf(key, resource),
        used: 0,
        reset: Math.ceil((now + WINDOW_MS) / 1000),
      };
      this.buckets.set(id, b);
    } else b.limit = this.limitOf(key, resource);
    return b;
  }

  /** Exhaustion injected by faults overlays the real counters (and disappears when the fault is cleared). */
  private isExhausted(b: RateBucket): boolean {
    return (b.resource === 'core' || b.resource === 'graphql') && this.exhausted[b.resource];
  }

  remaining(b: RateBucket): number {
    return this.isExhausted(b) ? 0 : Math.max(0, b.limit - b.used);
  }

  used(b: RateBucket): number {
    return this.isExhausted(b) ? b.limit : b.used;
  }

  consume(key: string, resource: RateResource, points: number): RateBucket {
    const b = this.bucket(key, resource);
    if (!this.isExhausted(b)) b.used = Math.min(b.limit, b.used + points);
    return b;
  }

  /** Concurrency slot for the secondary limit; returns false when over the limit. */
  enter(key: string): boolean {
    const n = (this.inFlight.get(key) ?? 0) + 1;
    this.inFlight.set(key, n);
    return !this.limits.secondary || n <= this.limits.concurrency;
  }

  leave(key: string): void {
    const n = (this.inFlight.get(key) ?? 1) - 1;
    if (n <= 0) this.inFlight.delete(key);
    else this.inFlight.set(key, n);
  }

  /** Points per minute (REST: GET/HEAD/OPTIONS 1, writes 5; GraphQL: query cost). False when over. */
  spendMinute(key: string, kind: 'rest' | 'graphql', points: number): boolean {
    if (!this.limits.secondary) return true;
    const id = `${kind}|${key}`;
    const now = Date.now();
    let m = this.minute.get(id);
    if (!m || now - m.start >= 60_000) {
      m = { start: now, points: 0 };
      this.minute.set(id, m);
    }
    const cap = kind === 'rest' ? this.limits.restPointsPerMinute : this.limits.graphqlPointsPerMinute;
    if (m.points + points > cap) return false;
    m.points += points;
    return true;
  }

  /** Seconds until the current minute window of a key ends (for Retry-After). */
  minuteRetryAfter(key: string, kind: 'rest' | 'graphql'): number {
    const m = this.minute.get(`${kind}|${key}`);
    return m ? Math.max(1, Math.ceil((m.start + 60_000 - Date.now()) / 1000)) : 60;
  }

  headers(b: RateBucket, resource: RateResource): Record<string, string> {
    return {
      'x-ratelimit-limit': String(b.limit),
      'x-ratelimit-remaining': String(this.remaining(b)),
      'x-ratelimit-reset': String(b.reset),
      'x-ratelimit-used': String(this.used(b)),
      'x-ratelimit-resource': resource,
    };
  }

  reset(): void {
    this.buckets.clear();
    this.inFlight.clear();
    this.minute.clear();
    this.keyLimits.clear();
    this.exhausted = { core: false, graphql: false };
  }
}
