import { Injectable } from '@nestjs/common';
import type { SqlExecutor } from '@trackeep/server-core';
import { Kysely, sql } from 'kysely';
import type { DB } from '../../database/db.types';

/** Advisory-lock namespace of repository syncs (first key of the two-key form). */
const LOCK_NAMESPACE = 606_606;

/** The SQL of the repository sync lock (a session advisory lock; see RepoLock). */
@Injectable()
export class RepoLockRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /** Takes the lock on `db`'s session if nobody holds it; true when taken. */
  static async tryLock(db: SqlExecutor<DB>, repoId: string): Promise<boolean> {
    const { rows } = await sql<{ locked: boolean }>`
      SELECT pg_try_advisory_lock(${LOCK_NAMESPACE}, hashtext(${repoId})) AS locked`.execute(db);
    return !!rows[0]?.locked;
  }

  static async unlock(db: SqlExecutor<DB>, repoId: string): Promise<void> {
    await sql`SELECT pg_advisory_unlock(${LOCK_NAMESPACE}, hashtext(${repoId}))`.execute(db);
  }

  /** True when some live session holds the repository's sync lock. */
  async isHeld(repoId: string): Promise<boolean> {
    const { rows } = await sql<{ held: boolean }>`
      SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 2
        AND classid::bigint = ${LOCK_NAMESPACE} AND objid::bigint = (hashtext(${repoId})::bigint & 4294967295)) AS held`.execute(
      this.db,
    );
    return !!rows[0]?.held;
  }
}
