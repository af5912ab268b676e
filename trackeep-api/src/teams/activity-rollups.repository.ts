import { Injectable } from '@nestjs/common';
import { inTransaction } from '@trackeep/server-core';
import { Kysely, sql } from 'kysely';
import type { DB } from '../database/db.types';

/**
 * The activity rollups' upkeep. Writes of commits and pull requests queue their changes (triggers of the
 * ActivityRollups migration); folding moves them into the rollups. Repositories stored before that migration are
 * counted here once.
 */
@Injectable()
export class ActivityRollupsRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /** Moves the queued changes into the rollups (one folder at a time across replicas); true when any was queued. */
  async fold(): Promise<boolean> {
    const { rows } = await sql<{ queued: boolean }>`
      SELECT EXISTS (SELECT 1 FROM activity_deltas) AS queued`.execute(this.db);
    if (rows[0]?.queued) await sql`SELECT activity_fold()`.execute(this.db);
    return rows[0]?.queued === true;
  }

  /** Repositories whose rows the rollups do not count yet. */
  async pending(): Promise<number> {
    const row = await this.db
      .selectFrom('repositories')
      .select(sql<string>`count(*)`.as('n'))
      .where('activity_rolled_up', '=', false)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /**
   * Counts up to `limit` pending repositories from their commits and pull requests. Writers of those tables wait
   * for the transaction (it is short), so no change is counted twice or lost; another replica's batch is skipped.
   */
  async rebuild(limit: number): Promise<number> {
    return inTransaction(this.db, async (tx) => {
      await sql`LOCK TABLE commits, pull_requests IN SHARE ROW EXCLUSIVE MODE`.execute(tx);
      const rows = await tx
        .selectFrom('repositories')
        .select('id')
        .where('activity_rolled_up', '=', false)
        .orderBy('id')
        .limit(limit)
        .forUpdate()
        .skipLocked()
        .execute();
      if (!rows.length) return 0;
      const ids = rows.map((r) => r.id);
      await sql`SELECT activity_rollup_rebuild(${ids}::uuid[])`.execute(tx);
      // Their pages change without a change to their rows: computed ones must not be reused.
      await sql`INSERT INTO fact_changes (repo_id) SELECT unnest(${ids}::uuid[])`.execute(tx);
      return rows.length;
    });
  }
}
