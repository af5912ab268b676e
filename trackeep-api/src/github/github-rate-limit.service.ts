import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { RateLimitBudget } from '@trackeep/contracts';
import { DataSource } from 'typeorm';

type Headers = Record<string, string | number | undefined>;

/** Persist at most this often per user and resource (GitHub sends the headers on every response). */
const PERSIST_INTERVAL_MS = 5_000;

/** Records the x-ratelimit-* headers of every GitHub answer, per user token and resource (core, graphql, ...). */
@Injectable()
export class GithubRateLimitService {
  private readonly lastPersisted = new Map<string, { at: number; remaining: number }>();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async record(userId: string, headers: Headers | undefined): Promise<void> {
    const limit = Number(headers?.['x-ratelimit-limit']);
    const remaining = Number(headers?.['x-ratelimit-remaining']);
    const reset = Number(headers?.['x-ratelimit-reset']);
    const resource = String(headers?.['x-ratelimit-resource'] ?? 'core');
    if (![limit, remaining, reset].every(Number.isFinite) || !/^[a-z_]{1,40}$/.test(resource)) return;
    const key = `${userId}:${resource}`;
    const last = this.lastPersisted.get(key);
    if (last && Date.now() - last.at < PERSIST_INTERVAL_MS && remaining > 0 && last.remaining > 0) return;
    this.lastPersisted.set(key, { at: Date.now(), remaining });
    await this.dataSource.query(
      `INSERT INTO github_rate_limits (user_id, resource, "limit", remaining, reset_at, updated_at)
       VALUES ($1, $2, $3, $4, to_timestamp($5), now())
       ON CONFLICT (user_id, resource) DO UPDATE SET "limit" = EXCLUDED."limit", remaining = EXCLUDED.remaining,
         reset_at = EXCLUDED.reset_at, updated_at = now()`,
      [userId, resource, limit, remaining, reset],
    );
  }

  /** The latest known budgets of a user's token (core and graphql), for the sync status page. */
  async budgets(userId: string): Promise<RateLimitBudget[]> {
    const rows = (await this.dataSource.query(
      `SELECT resource, "limit", remaining, reset_at FROM github_rate_limits WHERE user_id = $1 AND resource IN ('core', 'graphql') ORDER BY resource`,
      [userId],
    )) as Array<{ resource: 'core' | 'graphql'; limit: number; remaining: number; reset_at: Date }>;
    return rows.map((r) => ({
      resource: r.resource,
      limit: r.limit,
      remaining: r.remaining,
      resetAt: r.reset_at.toISOString(),
    }));
  }
}
