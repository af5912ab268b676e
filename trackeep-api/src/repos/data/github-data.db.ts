import type { SqlExecutor } from '@trackeep/server-core';
import { Kysely, PostgresDialect, Transaction } from 'kysely';
import type { Pool, PoolClient } from 'pg';
import type { DataSource, EntityManager } from 'typeorm';
import type { DB } from '../../database/db.types';

/** What the write model runs on: Kysely's pool or transaction (see `onConnection` for older callers). */
export type GithubDataDb = SqlExecutor<DB>;

/**
 * A handle a caller's transaction already holds: a Kysely executor, a pg client (the webhook processor's
 * transaction), or TypeORM's EntityManager / DataSource (the sync's).
 */
export type DataHandle = GithubDataDb | PoolClient | EntityManager | DataSource;

const bound = new WeakMap<object, Kysely<DB>>();

/**
 * Kysely on the connection `handle` runs on, so the write model's statements join the caller's transaction.
 * A pg client keeps its connection: Kysely's "release" after each statement is a no-op here, the caller
 * releases it. One Kysely per connection, cached (pool clients are reused).
 */
export function onConnection(handle: DataHandle): GithubDataDb {
  if (handle instanceof Kysely || handle instanceof Transaction) return handle;
  const cached = bound.get(handle);
  if (cached) return cached;
  let db: Kysely<DB>;
  if ('driver' in handle) db = onPool(handle);
  else if (isEntityManager(handle)) {
    const runner = handle.queryRunner as unknown as {
      isTransactionActive?: boolean;
      databaseConnection: PoolClient;
    };
    // Outside a transaction TypeORM's manager runs each statement on any pooled connection; so does the pool.
    db = runner?.isTransactionActive ? onClient(runner.databaseConnection) : onPool(handle.connection);
  } else db = onClient(handle);
  bound.set(handle, db);
  return db;
}

function isEntityManager(handle: PoolClient | EntityManager): handle is EntityManager {
  return 'queryRunner' in handle && 'connection' in handle && typeof handle.transaction === 'function';
}

function onPool(ds: DataSource): Kysely<DB> {
  const pool = (ds.driver as unknown as { master?: Pool }).master;
  if (!pool) throw new Error('the database connection is not initialised');
  return new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
}

function onClient(client: PoolClient): Kysely<DB> {
  const borrowed = {
    query: client.query.bind(client),
    release: () => undefined,
  } as unknown as PoolClient;
  return new Kysely<DB>({
    dialect: new PostgresDialect({
      pool: { connect: async () => borrowed, end: async () => undefined },
    }),
  });
}
