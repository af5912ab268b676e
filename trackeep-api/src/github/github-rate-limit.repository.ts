import { Injectable } from '@nestjs/common';
import { prepared } from '@trackeep/server-core';
import { Kysely, sql } from 'kysely';
import type { DB } from '../database/db.types';

/** PostgreSQL's foreign_key_violation: the user row is gone. */
const FOREIGN_KEY_VIOLATION = '23503';

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
  constructor(private readonly db: Kysely<DB>) {}

  /** Every GitHub answer saves its budget. Skipped when the user is gone (a sync may still be using their token). */
  async save(userId: string, resource: string, b: Budget): Promise<void> {
    try {
      await prepared(sql`
        INSERT INTO github_rate_limits (user_id, resource, "limit", remaining, reset_at)
        VALUES (${userId}::uuid, ${resource}, ${b.limit}::int, ${b.remaining}::int, ${b.resetAt}::timestamptz)
        ON CONFLICT (user_id, resource) DO UPDATE
          SET "limit" = EXCLUDED."limit", remaining = EXCLUDED.remaining, reset_at = EXCLUDED.reset_at,
              updated_at = now()`).execute(this.db);
    } catch (err) {
      if ((err as { code?: string }).code !== FOREIGN_KEY_VIOLATION) throw err;
    }
  }

  async load(userId: string, resources: string[]): Promise<StoredBudget[]> {
    const rows = await this.db
      .selectFrom('github_rate_limits')
      .select(['resource', 'limit', 'remaining', 'reset_at'])
      .where('user_id', '=', userId)
      .where('resource', 'in', resources)
      .orderBy('resource')
      .execute();
    return rows.map((r) => ({
      resource: r.resource,
      limit: r.limit,
      remaining: r.remaining,
      resetAt: new Date(r.reset_at),
    }));
  }
}
