import { Client } from 'pg';
import type { SqlRunner } from '../github/credential-limits';

/** Advisory-lock namespace of repository syncs (first key of the two-key form). */
const LOCK_NAMESPACE = 606_606;

/**
 * "This worker is syncing this repository right now": a session-level advisory lock on a connection of
 * its own. Postgres drops it the moment the worker's process or connection dies (SIGKILL, crash, network),
 * which is exactly the signal stale-run recovery needs; two workers can never sync one repository at once.
 */
export class RepoLock {
  private dead = false;

  private constructor(
    private readonly client: Client,
    readonly repoId: string,
  ) {
    client.on('error', () => (this.dead = true));
    client.on('end', () => (this.dead = true));
  }

  static async acquire(databaseUrl: string, repoId: string): Promise<RepoLock | null> {
    const client = new Client({ connectionString: databaseUrl, application_name: 'trackeep-api-sync-lock' });
    try {
      await client.connect();
      const { rows } = await client.query<{ locked: boolean }>(
        `SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked`,
        [LOCK_NAMESPACE, repoId],
      );
      if (rows[0]?.locked) return new RepoLock(client, repoId);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    await client.end().catch(() => undefined);
    return null;
  }

  /** False once the lock's connection is gone (the lock with it). */
  get held(): boolean {
    return !this.dead;
  }

  /** Runs a statement on the lock's own connection (heartbeats while the pool may be busy). */
  async query(sql: string, params: unknown[]): Promise<void> {
    if (!this.dead) await this.client.query(sql, params);
  }

  async release(): Promise<void> {
    if (!this.dead)
      await this.client
        .query(`SELECT pg_advisory_unlock($1, hashtext($2))`, [LOCK_NAMESPACE, this.repoId])
        .catch(() => undefined);
    this.dead = true;
    await this.client.end().catch(() => undefined);
  }
}

/** True when some live session holds the repository's sync lock. */
export async function repoLockHeld(
  db: SqlRunner & { createQueryRunner?: unknown },
  repoId: string,
): Promise<boolean> {
  const rows = (await db.query(
    `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 2
       AND classid::bigint = $1 AND objid::bigint = (hashtext($2)::bigint & 4294967295)) AS held`,
    [LOCK_NAMESPACE, repoId],
  )) as Array<{ held: boolean }>;
  return !!rows[0]?.held;
}
