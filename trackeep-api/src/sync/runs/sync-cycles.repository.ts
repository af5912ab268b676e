import { Injectable } from '@nestjs/common';
import { inTransaction } from '@trackeep/server-core';
import { Kysely, sql } from 'kysely';
import type { DB } from '../../database/db.types';

// Serialises the opening of cycles across replicas (pg_advisory_xact_lock's key).
const CYCLE_LOCK = 606_607;

/** `sync_cycles`: one row per scheduled detection cycle, so every replica's cron opens each slot once. */
@Injectable()
export class SyncCyclesRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /**
   * Records the cycle of `slot` unless one already lies within `windowMs` of it (another replica's clock fired
   * a little earlier or later). True when this call opened it.
   */
  open(slot: Date, windowMs: number): Promise<boolean> {
    const window = sql<Date>`make_interval(secs => ${windowMs / 1000})`;
    return inTransaction(this.db, async (tx) => {
      await sql`SELECT pg_advisory_xact_lock(${CYCLE_LOCK}, 0)`.execute(tx);
      const near = await tx
        .selectFrom('sync_cycles')
        .select('slot')
        .where('slot', '>', sql<Date>`${slot}::timestamptz - ${window}`)
        .where('slot', '<', sql<Date>`${slot}::timestamptz + ${window}`)
        .executeTakeFirst();
      if (near) return false;
      await tx.insertInto('sync_cycles').values({ slot }).execute();
      return true;
    });
  }

  async finish(slot: Date, repos: number, detectionPoints: number): Promise<void> {
    await this.db
      .updateTable('sync_cycles')
      .set({ repos, detection_points: detectionPoints, finished_at: sql`now()` })
      .where('slot', '=', slot)
      .execute();
  }

  async deleteOlderThan(days: number): Promise<void> {
    await this.db
      .deleteFrom('sync_cycles')
      .where('slot', '<', sql<Date>`now() - make_interval(days => ${days})`)
      .execute();
  }
}
