import { openDedicatedConnection, type DedicatedConnection } from '@trackeep/server-core';
import type { Kysely } from 'kysely';
import type { DB } from '../../database/db.types';
import { RepoLockRepository } from './repo-lock.repository';

/**
 * "This worker is syncing this repository right now": a session-level advisory lock on a connection of
 * its own. Postgres drops it the moment the worker's process or connection dies (SIGKILL, crash, network),
 * which is exactly the signal stale-run recovery needs; two workers can never sync one repository at once.
 */
export class RepoLock {
  private constructor(
    private readonly connection: DedicatedConnection<DB>,
    readonly repoId: string,
  ) {}

  static async acquire(databaseUrl: string, repoId: string): Promise<RepoLock | null> {
    const connection = await openDedicatedConnection<DB>(databaseUrl, 'trackeep-api-sync-lock');
    try {
      if (await RepoLockRepository.tryLock(connection.db, repoId)) return new RepoLock(connection, repoId);
    } catch (err) {
      await connection.close();
      throw err;
    }
    await connection.close();
    return null;
  }

  /** False once the lock's connection is gone (the lock with it). */
  get held(): boolean {
    return this.connection.alive;
  }

  /** Runs statements on the lock's own connection (heartbeats while the pool may be busy); skipped once it is gone. */
  async run(work: (db: Kysely<DB>) => Promise<void>): Promise<void> {
    if (this.connection.alive) await work(this.connection.db);
  }

  async release(): Promise<void> {
    if (this.connection.alive)
      await RepoLockRepository.unlock(this.connection.db, this.repoId).catch(() => undefined);
    await this.connection.close();
  }
}
