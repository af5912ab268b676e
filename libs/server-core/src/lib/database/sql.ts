import { CompiledQuery, Kysely, PostgresDialect, Transaction } from 'kysely';
import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';

/**
 * The one way both servers run SQL: Kysely, typed by the tables generated from each server's migrated schema
 * (`npm run db:types`). It runs on the TypeORM DataSource's own pg pool, so TypeORM keeps migrations and the
 * pool's lifecycle and there is one set of connections. Never call `destroy()` on it: TypeORM closes the pool.
 */
export function createSql<DB>(dataSource: DataSource): Kysely<DB> {
  const driver = dataSource.driver as unknown as { master?: Pool };
  return new Kysely<DB>({
    dialect: new PostgresDialect({
      // The pool exists once the DataSource is initialised; Kysely asks for it on first use.
      pool: async () => {
        if (!driver.master) throw new Error('the database connection is not initialised');
        return driver.master;
      },
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
