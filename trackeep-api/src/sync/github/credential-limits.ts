import type { RateLimitBudget } from '@trackeep/contracts';

/** A queryable database handle (TypeORM DataSource or EntityManager). */
export interface SqlRunner {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

export type Resource = RateLimitBudget['resource'];

export interface Budget {
  limit: number;
  remaining: number;
  resetAt: Date;
}

export interface LimitSettings {
  /** Percent of each primary limit kept for people using the dashboard; sync pauses below it. */
  reservePercent: number;
  /** Concurrent requests per token in this process. */
  maxConcurrent: number;
  /** GraphQL points per token per rolling minute (GitHub's secondary limit is 2,000). */
  graphqlPointsPerMinute: number;
  /** REST requests per token per rolling minute (GitHub's secondary limit is 900 per endpoint). */
  restRequestsPerMinute: number;
}

export const DEFAULT_LIMIT_SETTINGS: LimitSettings = {
  reservePercent: 10,
  maxConcurrent: 4,
  graphqlPointsPerMinute: 1800,
  restRequestsPerMinute: 800,
};

const PERSIST_EVERY_MS = 5_000;

/** Spend within a rolling 60-second window; `take` waits until the spend fits. */
class RollingMinute {
  private events: Array<{ at: number; amount: number }> = [];

  constructor(private readonly cap: number) {}

  async take(amount: number, sleep: (ms: number) => Promise<void>): Promise<void> {
    for (;;) {
      const now = Date.now();
      this.events = this.events.filter((e) => now - e.at < 60_000);
      const spent = this.events.reduce((s, e) => s + e.amount, 0);
      if (spent + amount <= this.cap || this.events.length === 0) {
        this.events.push({ at: now, amount });
        return;
      }
      // Wait until enough of the window has expired.
      let freed = 0;
      let waitUntil = now;
      for (const e of this.events) {
        freed += e.amount;
        waitUntil = e.at + 60_000;
        if (spent - freed + amount <= this.cap) break;
      }
      await sleep(Math.max(10, waitUntil - now));
    }
  }

  /** Corrects an estimate once GitHub told us the real cost. */
  adjustLast(delta: number): void {
    const last = this.events[this.events.length - 1];
    if (last) last.amount = Math.max(0, last.amount + delta);
  }
}

class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly max: number) {}

  async acquire(): Promise<() => void> {
    if (this.active >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      this.waiting.shift()?.();
    };
  }
}

/**
 * What this process knows and enforces about one GitHub credential (a user's token): the primary budgets
 * (shared with every replica through github_rate_limits), a per-minute pacer that stays under the secondary
 * limits, and a cap on concurrent requests. One instance per credential per process.
 */
export class CredentialLimits {
  readonly budgets = new Map<Resource, Budget>();
  readonly slots: Semaphore;
  readonly graphqlMinute: RollingMinute;
  readonly restMinute: RollingMinute;
  private lastPersist = new Map<Resource, number>();
  private loadedAt = 0;

  constructor(
    readonly credential: string,
    readonly settings: LimitSettings,
  ) {
    this.slots = new Semaphore(settings.maxConcurrent);
    this.graphqlMinute = new RollingMinute(settings.graphqlPointsPerMinute);
    this.restMinute = new RollingMinute(settings.restRequestsPerMinute);
  }

  reserve(resource: Resource): number {
    const b = this.budgets.get(resource);
    return b ? Math.ceil((b.limit * this.settings.reservePercent) / 100) : 0;
  }

  /** When spending `amount` would dip into the reserve before the window resets: the time to resume. */
  pauseUntil(resource: Resource, amount: number, now = Date.now()): Date | null {
    const b = this.budgets.get(resource);
    if (!b || b.resetAt.getTime() <= now) return null;
    return b.remaining - amount < this.reserve(resource) ? b.resetAt : null;
  }

  /** Reads what other replicas recorded (at most every few seconds). */
  async refresh(db: SqlRunner, force = false): Promise<void> {
    if (!isUuid(this.credential)) return;
    if (!force && Date.now() - this.loadedAt < PERSIST_EVERY_MS) return;
    this.loadedAt = Date.now();
    const rows = (await db.query(
      `SELECT resource, "limit", remaining, reset_at FROM github_rate_limits WHERE user_id = $1 AND resource IN ('core', 'graphql')`,
      [this.credential],
    )) as Array<{ resource: Resource; limit: number; remaining: number; reset_at: Date }>;
    for (const r of rows) {
      const mine = this.budgets.get(r.resource);
      const theirs: Budget = { limit: r.limit, remaining: r.remaining, resetAt: new Date(r.reset_at) };
      // Keep whichever is more recent knowledge: a later window, or fewer remaining in the same window.
      if (
        !mine ||
        theirs.resetAt > mine.resetAt ||
        (theirs.resetAt.getTime() === mine.resetAt.getTime() && theirs.remaining < mine.remaining)
      ) {
        this.budgets.set(r.resource, theirs);
      }
    }
  }

  /** Records a budget GitHub just reported; persists it for other replicas now and then (always when low). */
  async observe(db: SqlRunner, resource: Resource, budget: Budget, persistNow = false): Promise<void> {
    this.budgets.set(resource, budget);
    const last = this.lastPersist.get(resource) ?? 0;
    const low = budget.remaining <= this.reserve(resource) * 2;
    if (!persistNow && !low && Date.now() - last < PERSIST_EVERY_MS) return;
    this.lastPersist.set(resource, Date.now());
    await persistBudget(db, this.credential, resource, budget);
  }
}

export async function persistBudget(
  db: SqlRunner,
  userId: string,
  resource: Resource,
  b: Budget,
): Promise<void> {
  if (!isUuid(userId)) return;
  await db.query(
    `INSERT INTO github_rate_limits (user_id, resource, "limit", remaining, reset_at, updated_at)
     SELECT $1, $2, $3, $4, $5, now() WHERE EXISTS (SELECT 1 FROM users WHERE id = $1)
     ON CONFLICT (user_id, resource) DO UPDATE SET "limit" = EXCLUDED."limit", remaining = EXCLUDED.remaining,
       reset_at = EXCLUDED.reset_at, updated_at = now()`,
    [userId, resource, b.limit, b.remaining, b.resetAt],
  );
}

/** Process-wide registry: every job using the same token shares its limits. */
export class CredentialLimitsRegistry {
  private readonly byCredential = new Map<string, CredentialLimits>();

  constructor(readonly settings: LimitSettings = DEFAULT_LIMIT_SETTINGS) {}

  for(credential: string): CredentialLimits {
    let limits = this.byCredential.get(credential);
    if (!limits) {
      limits = new CredentialLimits(credential, this.settings);
      this.byCredential.set(credential, limits);
    }
    return limits;
  }
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export function isUuid(value: string): boolean {
  return UUID_RE.test(value);
}
