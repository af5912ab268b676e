import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

export interface Budget {
  limit: number;
  remaining: number;
  resetAt: Date;
}

export interface StoredBudget extends Budget {
  resource: string;
}

/** github_rate_limits: the last budget GitHub reported per credential and resource, shared by every replica. */
@Injectable()
export class GithubRateLimitRepository {
  constructor(@InjectDataSource() private readonly db: Pick<DataSource, 'query'>) {}

  /** Skipped when the user is gone (a sync may still be finishing with their token). */
  async save(userId: string, resource: string, b: Budget): Promise<void> {
    await this.db.query(
      `INSERT INTO github_rate_limits (user_id, resource, "limit", remaining, reset_at, updated_at)
       SELECT $1, $2, $3, $4, $5, now() WHERE EXISTS (SELECT 1 FROM users WHERE id = $1)
       ON CONFLICT (user_id, resource) DO UPDATE SET "limit" = EXCLUDED."limit", remaining = EXCLUDED.remaining,
         reset_at = EXCLUDED.reset_at, updated_at = now()`,
      [userId, resource, b.limit, b.remaining, b.resetAt],
    );
  }

  async load(userId: string, resources: string[]): Promise<StoredBudget[]> {
    const rows: Array<{ resource: string; limit: number; remaining: number; reset_at: Date }> =
      await this.db.query(
        `SELECT resource, "limit", remaining, reset_at FROM github_rate_limits
         WHERE user_id = $1 AND resource = ANY($2::text[]) ORDER BY resource`,
        [userId, resources],
      );
    return rows.map((r) => ({
      resource: r.resource,
      limit: r.limit,
      remaining: r.remaining,
      resetAt: new Date(r.reset_at),
    }));
  }
}
