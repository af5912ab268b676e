import type PgBoss from 'pg-boss';
import type { PoolClient } from 'pg';
import type { DataSource } from 'typeorm';

/**
 * Runs `fn` in a transaction on one pooled pg connection of the TypeORM DataSource. The hot paths (inbox,
 * processing) use plain pg results (`rows`, `rowCount`) rather than TypeORM's query() reshaping.
 */
export async function inTransaction<T>(
  dataSource: DataSource,
  fn: (client: PoolClient) => Promise<T>,
): Promise<T> {
  const runner = dataSource.createQueryRunner();
  const client = (await runner.connect()) as PoolClient;
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    await runner.release();
  }
}

/** Lets pg-boss run its SQL on our transaction's connection, so jobs commit (or not) with our rows. */
export function bossDb(client: PoolClient): PgBoss.Db {
  return { executeSql: (text: string, values: unknown[]) => client.query(text, values) };
}
