import { isDatabaseUnavailable } from '@trackeep/server-core';
import { Pool, type PoolClient, type PoolConfig, type QueryResult } from 'pg';
import type PgBoss from 'pg-boss';

// pg-boss's own statements (not in its typings): the two it sends without awaiting them, and a worker's fetch.
const plans = require('pg-boss/src/plans') as {
  completeJobs(schema: string): string;
  failJobsById(schema: string): string;
  fetchNextJob(
    schema: string,
  ): (options: { includeMetadata?: boolean; priority?: boolean; ignoreStartAfter?: boolean }) => string;
};

/** How long a statement waits for Postgres to accept connections again before its error is handed on. */
const MAX_WAIT_MS = 4 * 60_000;

/** What pg-boss reads from a completion or failure it sent: how many jobs it moved. */
const NOTHING_UPDATED: QueryResult = {
  rows: [{ count: 0 }],
  rowCount: 1,
  command: 'SELECT',
  oid: 0,
  fields: [],
};

/** How long closing waits for the jobs workers fetched while pg-boss was stopping. */
const CLOSE_GRACE_MS = 5_000;

/**
 * pg-boss's connection pool. pg-boss marks a job done or failed right after its handler returns without awaiting
 * that write, so while Postgres restarts the write would fail as an unhandled rejection and the job's outcome
 * would be lost. Here a statement that cannot get a connection waits until Postgres accepts one again, then runs.
 * Only the connect is retried: a statement that reached Postgres is never sent twice.
 *
 * pg-boss's graceful stop waits for the jobs its workers hold, but not for a fetch already sent: that fetch's jobs
 * run after the stop returns. So the pool keeps the fetched jobs it has not seen completed or failed, and closing
 * waits a little for them; an outcome that arrives after the pool closed is reported and left to the job's expiry,
 * never thrown where nothing awaits it.
 */
export class OutageTolerantBossDb implements PgBoss.Db {
  private readonly pool: Pool;
  private closed = false;
  private readonly heard = new WeakSet<PoolClient>();
  private readonly completeJobs: string;
  private readonly failJobs: string;
  private readonly fetches = new Set<string>();
  /** Ids of fetched jobs whose completion or failure has not been sent yet. */
  private readonly held = new Set<string>();
  private settled: (() => void) | null = null;

  constructor(
    config: PoolConfig,
    private readonly onError: (err: Error) => void,
    schema: string,
  ) {
    this.pool = new Pool(config);
    this.pool.on('error', onError);
    this.completeJobs = plans.completeJobs(schema);
    this.failJobs = plans.failJobsById(schema);
    const fetchNext = plans.fetchNextJob(schema);
    for (const includeMetadata of [false, true])
      for (const priority of [false, true])
        for (const ignoreStartAfter of [false, true])
          this.fetches.add(fetchNext({ includeMetadata, priority, ignoreStartAfter }));
  }

  async executeSql(text: string, values: unknown[] = []): Promise<QueryResult> {
    if (text !== this.completeJobs && text !== this.failJobs) return this.run(text, values);
    try {
      if (!this.closed) return await this.run(text, values);
    } catch (err) {
      if (!this.closed) throw err;
    } finally {
      this.settle(values[1]);
    }
    this.onError(new Error(`a job ended after the job queue closed; it retries on expiry`));
    return NOTHING_UPDATED;
  }

  private async run(text: string, values: unknown[]): Promise<QueryResult> {
    const giveUpAt = Date.now() + MAX_WAIT_MS;
    for (;;) {
      const client = await this.connect();
      try {
        const result = await client.query(text, values);
        client.release();
        if (this.fetches.has(text)) for (const row of result.rows as { id: string }[]) this.held.add(row.id);
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
          return NOTHING_UPDATED;
        }
        if (text !== this.completeJobs || Date.now() > giveUpAt) throw err;
      }
    }
  }

  /** Closes the pool once every fetched job has an outcome, or after `graceMs`, whichever comes first. */
  async close(graceMs = CLOSE_GRACE_MS): Promise<void> {
    if (this.held.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => (this.settled = resolve)),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs))),
      ]);
      clearTimeout(timer);
      this.settled = null;
    }
    this.closed = true;
    await this.pool.end();
  }

  private settle(ids: unknown): void {
    if (Array.isArray(ids)) for (const id of ids) this.held.delete(String(id));
    if (this.held.size === 0) this.settled?.();
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
