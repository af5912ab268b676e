import { isDatabaseUnavailable } from '@trackeep/server-core';
import { Pool, type PoolClient, type PoolConfig, type QueryResult } from 'pg';
import type PgBoss from 'pg-boss';

/** How long a statement waits for Postgres to accept connections again before its error is handed on. */
const MAX_WAIT_MS = 4 * 60_000;

/**
 * pg-boss's connection pool. pg-boss marks a job done or failed right after its handler returns without awaiting
 * that write, so while Postgres restarts the write would fail as an unhandled rejection and the job's outcome
 * would be lost. Here a statement that cannot get a connection waits until Postgres accepts one again, then runs.
 * Only the connect is retried: a statement that reached Postgres is never sent twice.
 */
export class OutageTolerantBossDb implements PgBoss.Db {
  private readonly pool: Pool;
  private closed = false;

  constructor(config: PoolConfig, onError: (err: Error) => void) {
    this.pool = new Pool(config);
    this.pool.on('error', onError);
  }

  async executeSql(text: string, values: unknown[] = []): Promise<QueryResult> {
    const client = await this.connect();
    try {
      const result = await client.query(text, values);
      client.release();
      return result;
    } catch (err) {
      // A broken connection must not go back to the pool.
      client.release(isDatabaseUnavailable(err) ? (err as Error) : undefined);
      throw err;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.pool.end();
  }

  private async connect(): Promise<PoolClient> {
    const giveUpAt = Date.now() + MAX_WAIT_MS;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.pool.connect();
      } catch (err) {
        if (this.closed || !isDatabaseUnavailable(err) || Date.now() > giveUpAt) throw err;
        await new Promise((resolve) => setTimeout(resolve, Math.min(2000, 100 * 2 ** attempt)));
      }
    }
  }
}
