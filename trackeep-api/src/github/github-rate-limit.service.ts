import { Injectable } from '@nestjs/common';
import type { RateLimitBudget } from '@trackeep/contracts';
import { MetricsService } from '../metrics/metrics.service';
import { GithubRateLimitRepository, type Budget } from './github-rate-limit.repository';

export type { Budget } from './github-rate-limit.repository';

type Headers = Record<string, string | number | undefined>;

/** Persist at most this often per credential and resource (GitHub reports the budget on every answer). */
const PERSIST_EVERY_MS = 5_000;
/** Re-read what other replicas recorded at most this often per credential. */
const REFRESH_EVERY_MS = 5_000;
const RESOURCE_RE = /^[a-z_]{1,40}$/;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The one rate-limit store: what this process knows of each credential's primary budgets (core, graphql, ...),
 * fed by every GitHub answer from any caller, shared with other replicas through github_rate_limits, and
 * published as a gauge per credential and resource.
 */
@Injectable()
export class GithubRateLimitService {
  private readonly known = new Map<string, Map<string, Budget>>();
  private readonly persistedAt = new Map<string, { at: number; remaining: number }>();
  private readonly refreshedAt = new Map<string, number>();

  constructor(
    private readonly repo: GithubRateLimitRepository,
    private readonly metrics: MetricsService,
  ) {}

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
   * Records a budget GitHub just reported. Persisted for other replicas every few seconds, and at once when
   * `persistNow` (the caller knows it is running low) or when it ran out or came back.
   */
  async observe(credential: string, resource: string, budget: Budget, persistNow = false): Promise<void> {
    let budgets = this.known.get(credential);
    if (!budgets) this.known.set(credential, (budgets = new Map()));
    budgets.set(resource, budget);
    this.metrics.githubBudget(credential, resource, budget.remaining);
    if (!UUID_RE.test(credential)) return;
    const key = `${credential}:${resource}`;
    const last = this.persistedAt.get(key);
    const due =
      persistNow ||
      !last ||
      Date.now() - last.at >= PERSIST_EVERY_MS ||
      budget.remaining <= 0 ||
      last.remaining <= 0;
    if (!due) return;
    this.persistedAt.set(key, { at: Date.now(), remaining: budget.remaining });
    await this.repo.save(credential, resource, budget);
  }

  /** Takes in what other replicas recorded (at most every few seconds unless `force`). */
  async refresh(credential: string, resources: string[], force = false): Promise<void> {
    if (!UUID_RE.test(credential)) return;
    const last = this.refreshedAt.get(credential) ?? 0;
    if (!force && Date.now() - last < REFRESH_EVERY_MS) return;
    this.refreshedAt.set(credential, Date.now());
    let budgets = this.known.get(credential);
    if (!budgets) this.known.set(credential, (budgets = new Map()));
    for (const theirs of await this.repo.load(credential, resources)) {
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

  /** The latest known budgets of a user's token (core and graphql), for the sync status page. */
  async budgets(userId: string): Promise<RateLimitBudget[]> {
    const rows = await this.repo.load(userId, ['core', 'graphql']);
    return rows.flatMap((r) =>
      r.resource === 'core' || r.resource === 'graphql'
        ? [{ resource: r.resource, limit: r.limit, remaining: r.remaining, resetAt: r.resetAt.toISOString() }]
        : [],
    );
  }
}
