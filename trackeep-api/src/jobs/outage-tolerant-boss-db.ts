import { isDatabaseUnavailable } from '@trackeep/server-core';
import { Pool, type PoolClient, type PoolConfig, type QueryResult } from 'pg';
import type PgBoss from 'pg-boss';

// pg-boss's own statements (not in its typings), to recognise the two it sends without awaiting them.
const plans = require('pg-boss/src/plans') as {
  completeJobs(schema: string): string;
  failJobsById(schema: string): string;
};

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
  private readonly heard = new WeakSet<PoolClient>();
  private readonly completeJobs: string;
  private readonly failJobs: string;

  constructor(
    config: PoolConfig,
    private readonly onError: (err: Error) => void,
    schema: string,
  ) {
    this.pool = new Pool(config);
    this.pool.on('error', onError);
    this.completeJobs = plans.completeJobs(schema);
    this.failJobs = plans.failJobsById(schema);
  }

  async executeSql(text: string, values: unknown[] = []): Promise<QueryResult> {
    const giveUpAt = Date.now() + MAX_WAIT_MS;
    for (;;) {
      const client = await this.connect();
      try {
        const result = await client.query(text, values);
        client.release();
        return result;
      } catch (err) {
        // A broken connection must not go back to the pool.
        const lost = isDatabaseUnavailable(err);
        client.release(lost ? (err as Error) : undefined);
        if (!lost || this.closed) throw err;
        // pg-boss does not await a job's completion or failure, so an error here would be unhandled. Completing is
        // safe to send again (it only moves active jobs); failing is not (it would count a retry twice), so a
        // lost one is left to the job's expiry, which retries it.
        if (text === this.failJobs) {
          this.onError(
            new Error(`a job's failure was not recorded (${(err as Error).message}); it retries on expiry`),
          );
          return { rows: [{ count: 0 }], rowCount: 1, command: 'SELECT', oid: 0, fields: [] };
        }
        if (text !== this.completeJobs || Date.now() > giveUpAt) throw err;
      }
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
        const client = await this.pool.connect();
        // The pool stops listening while a client is checked out; an error event then (the socket closing after
        // Postgres ended the session) would crash the process. The failed statement reports it instead.
        if (!this.heard.has(client)) {
          this.heard.add(client);
          client.on('error', () => undefined);
        }
        return client;
      } catch (err) {
        if (this.closed || !isDatabaseUnavailable(err) || Date.now() > giveUpAt) throw err;
        await new Promise((resolve) => setTimeout(resolve, Math.min(2000, 100 * 2 ** attempt)));
      }
    }
  }
}
