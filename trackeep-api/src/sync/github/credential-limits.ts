import type { RateLimitBudget } from '@trackeep/contracts';
import type { Budget, GithubRateLimitService } from '../../github/github-rate-limit.service';

export type Resource = RateLimitBudget['resource'];

export type { Budget };

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
 * What this process enforces for the sync on one GitHub credential (a user's token): the reserve kept for people
 * out of the primary budgets (which live in the shared rate-limit store), a per-minute pacer that stays under
 * the secondary limits, and a cap on concurrent requests. One instance per credential per process.
 */
export class CredentialLimits {
  readonly slots: Semaphore;
  readonly graphqlMinute: RollingMinute;
  readonly restMinute: RollingMinute;

  constructor(
    readonly credential: string,
    readonly settings: LimitSettings,
    private readonly store: GithubRateLimitService,
  ) {
    this.slots = new Semaphore(settings.maxConcurrent);
    this.graphqlMinute = new RollingMinute(settings.graphqlPointsPerMinute);
    this.restMinute = new RollingMinute(settings.restRequestsPerMinute);
  }

  budget(resource: Resource): Budget | undefined {
    return this.store.budget(this.credential, resource);
  }

  reserve(resource: Resource): number {
    const b = this.budget(resource);
    return b ? Math.ceil((b.limit * this.settings.reservePercent) / 100) : 0;
  }

  /** When spending `amount` would dip into the reserve before the window resets: the time to resume. */
  pauseUntil(resource: Resource, amount: number, now = Date.now()): Date | null {
    const b = this.budget(resource);
    if (!b || b.resetAt.getTime() <= now) return null;
    return b.remaining - amount < this.reserve(resource) ? b.resetAt : null;
  }

  /** Takes in what other replicas recorded (at most every few seconds). */
  async refresh(force = false): Promise<void> {
    await this.store.refresh(this.credential, ['core', 'graphql'], force);
  }

  /** Records a budget GitHub just reported; shared with other replicas at once when it nears the reserve. */
  async observe(resource: Resource, budget: Budget, persistNow = false): Promise<void> {
    const low = budget.remaining <= this.reserve(resource) * 2;
    await this.store.observe(this.credential, resource, budget, persistNow || low);
  }
}

/** Process-wide registry: every job using the same token shares its limits. */
export class CredentialLimitsRegistry {
  private readonly byCredential = new Map<string, CredentialLimits>();

  constructor(
    private readonly store: GithubRateLimitService,
    readonly settings: LimitSettings = DEFAULT_LIMIT_SETTINGS,
  ) {}

  for(credential: string): CredentialLimits {
    let limits = this.byCredential.get(credential);
    if (!limits) {
      limits = new CredentialLimits(credential, this.settings, this.store);
      this.byCredential.set(credential, limits);
    }
    return limits;
  }
}
