import { CompiledQuery, Kysely, PostgresDialect, Transaction, type PostgresPoolClient } from 'kysely';
import { Client, type Pool } from 'pg';
import type { DataSource } from 'typeorm';
import { preparingPool } from './prepared-statements';

/**
 * The pg Pool under a TypeORM DataSource (its postgres driver's `master`), or null before it is initialised.
 * TypeORM types its driver loosely; this is the one place that reaches into it.
 */
export function pgPoolOf(dataSource: DataSource): Pool | null {
  const driver: { master?: Pool } = dataSource.driver as unknown as { master?: Pool };
  return driver.master ?? null;
}

/**
 * The one way both servers run SQL: Kysely, typed by the tables generated from each server's migrated schema
 * (`npm run db:types`). It runs on the TypeORM DataSource's own pg pool, so TypeORM keeps migrations and the
 * pool's lifecycle and there is one set of connections. Never call `destroy()` on it: TypeORM closes the pool.
 */
export function createSql<DB>(dataSource: DataSource): Kysely<DB> {
  return new Kysely<DB>({
    dialect: new PostgresDialect({
      // The pool exists once the DataSource is initialised; it is looked up on each connect.
      pool: preparingPool(() => {
        const pool = pgPoolOf(dataSource);
        if (!pool) throw new Error('the database connection is not initialised');
        return pool;
      }),
    }),
  });
}

/** What repositories take: the pool, or a transaction a service opened around several of them. */
export type SqlExecutor<DB> = Kysely<DB> | Transaction<DB>;

/**
 * Runs `work` in one transaction: every repository handed `tx` commits or rolls back together. Already inside
 * a transaction, it joins it instead of nesting (Postgres has no nested transactions).
 */
export function inTransaction<DB, T>(
  db: SqlExecutor<DB>,
  work: (tx: Transaction<DB>) => Promise<T>,
): Promise<T> {
  if (db instanceof Transaction) return work(db);
  return db.transaction().execute(work);
}

/** Runs SQL handed over as text (pg-boss's own statements) on a Kysely executor, inside its transaction if any. */
export async function executeRawSql<DB, R = Record<string, unknown>>(
  db: SqlExecutor<DB>,
  text: string,
  values: readonly unknown[] = [],
): Promise<{ rows: R[] }> {
  const result = await db.executeQuery<R>(CompiledQuery.raw(text, [...values]));
  return { rows: [...result.rows] };
}

/**
 * A connection of its own, outside the pool, for what must stay on one session for a long while (a session
 * advisory lock held across GitHub calls): Postgres drops such a lock the moment the connection dies.
 * `alive` turns false once the connection broke or ended; `close` ends it (whatever it still holds goes with it).
 */
export interface DedicatedConnection<DB> {
  /** Runs every statement on this one connection. */
  readonly db: Kysely<DB>;
  readonly alive: boolean;
  close(): Promise<void>;
}

export async function openDedicatedConnection<DB>(
  connectionString: string,
  applicationName: string,
): Promise<DedicatedConnection<DB>> {
  const client = new Client({ connectionString, application_name: applicationName });
  let alive = true;
  client.on('error', () => (alive = false));
  client.on('end', () => (alive = false));
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    throw err;
  }
  // Kysely "acquires" and "releases" this one client for each statement; the client stays until close().
  // pg's client satisfies Kysely's pool-client shape except for its looser result typing (and cursors, unused).
  const connection: PostgresPoolClient = {
    query: ((text: string, values: readonly unknown[]) =>
      client.query(text, [...values])) as unknown as PostgresPoolClient['query'],
    release: () => undefined,
  };
  const db = new Kysely<DB>({
    dialect: new PostgresDialect({ pool: { connect: async () => connection, end: async () => undefined } }),
  });
  return {
    db,
    get alive() {
      return alive;
    },
    close: async () => {
      alive = false;
      await client.end().catch(() => undefined);
    },
  };
}
