import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { RateLimitBudget } from '@trackeep/contracts';
import { MetricsService } from '../metrics/metrics.service';
import {
  GithubRateLimitRepository,
  type Budget,
  type BudgetOwner,
  type InstallationBudget,
} from './github-rate-limit.repository';
import { GithubSettings } from './github-settings';

export type { Budget } from './github-rate-limit.repository';

type Headers = Record<string, string | number | undefined>;

/** Persist at most this often per credential and resource (GitHub reports the budget on every answer). */
const PERSIST_EVERY_MS = 5_000;
/** Re-read what other replicas recorded at most this often per credential. */
const REFRESH_EVERY_MS = 5_000;
const RESOURCE_RE = /^[a-z_]{1,40}$/;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const INSTALLATION_RE = /^installation:(\d{1,15})$/;
const SHOWN: Array<RateLimitBudget['resource']> = ['core', 'graphql'];

/**
 * The one rate-limit store: what this process knows of each credential's primary budgets (core, graphql, ...),
 * fed by every GitHub answer from any caller, shared with other replicas through github_rate_limits, and
 * published as a gauge per credential and resource.
 */
@Injectable()
export class GithubRateLimitService implements OnModuleDestroy {
  private readonly known = new Map<string, Map<string, Budget>>();
  private readonly persistedAt = new Map<string, { at: number; remaining: number }>();
  private readonly refreshedAt = new Map<string, number>();
  private readonly trailing = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly repo: GithubRateLimitRepository,
    private readonly metrics: MetricsService,
    private readonly github: GithubSettings,
  ) {}

  /** Whose budget a credential id names (a user id, or `installation:<id>`); null for anything else. */
  private owner(credential: string): BudgetOwner | null {
    if (UUID_RE.test(credential)) return { userId: credential };
    const installation = INSTALLATION_RE.exec(credential);
    return installation ? { host: this.github.host, installationId: Number(installation[1]) } : null;
  }

  budget(credential: string, resource: string): Budget | undefined {
    return this.known.get(credential)?.get(resource);
  }

  /** The x-ratelimit-* headers of one answer (`fallback` when they do not name their resource). */
  async recordHeaders(credential: string, headers: Headers | undefined, fallback = 'core'): Promise<void> {
    const limit = Number(headers?.['x-ratelimit-limit']);
    const remaining = Number(headers?.['x-ratelimit-remaining']);
    const reset = Number(headers?.['x-ratelimit-reset']);
    const resource = String(headers?.['x-ratelimit-resource'] ?? fallback);
    if (![limit, remaining, reset].every(Number.isFinite) || !RESOURCE_RE.test(resource)) return;
    await this.observe(credential, resource, { limit, remaining, resetAt: new Date(reset * 1000) });
  }

  /**
   * Records a budget GitHub just reported. Persisted for other replicas at most every few seconds (the latest at
   * the end of each interval), and at once when `persistNow` (the caller knows it is running low) or when it
   * ran out or came back.
   */
  async observe(credential: string, resource: string, budget: Budget, persistNow = false): Promise<void> {
    let budgets = this.known.get(credential);
    if (!budgets) this.known.set(credential, (budgets = new Map()));
    budgets.set(resource, budget);
    this.metrics.githubBudget(credential, resource, budget.remaining);
    const owner = this.owner(credential);
    if (!owner) return;
    const key = `${credential}:${resource}`;
    const last = this.persistedAt.get(key);
    const due =
      persistNow ||
      !last ||
      Date.now() - last.at >= PERSIST_EVERY_MS ||
      budget.remaining <= 0 ||
      last.remaining <= 0;
    if (due) {
      await this.persist(key, owner, resource, budget);
      return;
    }
    // The last answer of a burst is shared too, once the interval is over: otherwise other replicas and the
    // Sync page would keep the budget as it was at the burst's start.
    if (this.trailing.has(key)) return;
    const timer = setTimeout(
      () => {
        this.trailing.delete(key);
        const latest = this.known.get(credential)?.get(resource);
        if (latest) void this.persist(key, owner, resource, latest).catch(() => undefined);
      },
      Math.max(0, last.at + PERSIST_EVERY_MS - Date.now()),
    );
    timer.unref();
    this.trailing.set(key, timer);
  }

  private async persist(key: string, owner: BudgetOwner, resource: string, budget: Budget): Promise<void> {
    this.persistedAt.set(key, { at: Date.now(), remaining: budget.remaining });
    await this.repo.save(owner, resource, budget);
  }

  onModuleDestroy(): void {
    for (const timer of this.trailing.values()) clearTimeout(timer);
    this.trailing.clear();
  }

  /** Takes in what other replicas recorded (at most every few seconds unless `force`). */
  async refresh(credential: string, resources: string[], force = false): Promise<void> {
    const owner = this.owner(credential);
    if (!owner) return;
    const last = this.refreshedAt.get(credential) ?? 0;
    if (!force && Date.now() - last < REFRESH_EVERY_MS) return;
    this.refreshedAt.set(credential, Date.now());
    let budgets = this.known.get(credential);
    if (!budgets) this.known.set(credential, (budgets = new Map()));
    for (const theirs of await this.repo.load(owner, resources)) {
      const mine = budgets.get(theirs.resource);
      // Keep whichever is more recent knowledge: a later window, or fewer remaining in the same window.
      if (
        !mine ||
        theirs.resetAt > mine.resetAt ||
        (theirs.resetAt.getTime() === mine.resetAt.getTime() && theirs.remaining < mine.remaining)
      ) {
        const { resource, ...budget } = theirs;
        budgets.set(resource, budget);
      }
    }
  }

  /**
   * For the sync status page: the latest known budgets (core and graphql) of the user's token, then of each
   * GitHub App installation that syncs repositories the user tracks.
   */
  async budgets(userId: string): Promise<RateLimitBudget[]> {
    const rows = await this.repo.budgetsOfTracker(this.github.host, userId, SHOWN);
    return rows.map((b) =>
      b.installationId === null
        ? shown(b)
        : shown(b, { installationId: b.installationId, accountLogin: b.accountLogin ?? '' }),
    );
  }

  /**
   * The latest known budgets of every installation (or only `installationId`'s), by installation id, for the
   * installations page.
   */
  async installationBudgets(installationId?: number): Promise<Map<number, RateLimitBudget[]>> {
    const out = new Map<number, RateLimitBudget[]>();
    for (const b of await this.repo.installationBudgets(this.github.host, SHOWN, installationId)) {
      const list = out.get(b.installationId) ?? [];
      list.push(shown(b));
      out.set(b.installationId, list);
    }
    return out;
  }
}

function shown(
  b: Budget & { resource: string },
  installation?: Pick<InstallationBudget, 'installationId' | 'accountLogin'>,
): RateLimitBudget {
  return {
    resource: b.resource === 'graphql' ? 'graphql' : 'core',
    limit: b.limit,
    // GitHub restores the whole limit at the reset; a budget last seen before it would show what was spent then.
    remaining: b.resetAt.getTime() <= Date.now() ? b.limit : b.remaining,
    resetAt: b.resetAt.toISOString(),
    ...(installation
      ? { installation: { id: installation.installationId, account: installation.accountLogin } }
      : {}),
  };
}
