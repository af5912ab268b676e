import { Injectable } from '@nestjs/common';
import { Kysely, sql } from 'kysely';
import type { DB } from '../database/db.types';

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

  /** Skipped when the user is gone (a sync may still be finishing with their token). */
  async save(userId: string, resource: string, b: Budget): Promise<void> {
    await this.db
      .insertInto('github_rate_limits')
      .columns(['user_id', 'resource', 'limit', 'remaining', 'reset_at'])
      .expression((eb) =>
        eb
          .selectFrom('users')
          .select([
            'id',
            sql<string>`${resource}::text`.as('resource'),
            sql<number>`${b.limit}::int`.as('limit'),
            sql<number>`${b.remaining}::int`.as('remaining'),
            sql<Date>`${b.resetAt}::timestamptz`.as('reset_at'),
          ])
          .where('id', '=', userId),
      )
      .onConflict((oc) =>
        oc.columns(['user_id', 'resource']).doUpdateSet((eb) => ({
          limit: eb.ref('excluded.limit'),
          remaining: eb.ref('excluded.remaining'),
          reset_at: eb.ref('excluded.reset_at'),
          updated_at: sql<Date>`now()`,
        })),
      )
      .execute();
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
