import { createSql, inTransaction, prepared } from '@trackeep/server-core';
import { createTestDatabase, type TestDatabase } from '@trackeep/testing';
import { sql, type Kysely } from 'kysely';
import { DataSource } from 'typeorm';
import type { DB } from '../src/database/db.types';
import { API_TEMPLATE_DB } from './support/test-app';

// Hot bulk statements are long and fixed: Postgres should parse and plan them once per connection. On a
// one-connection pool every statement runs on the same session, so `pg_prepared_statements` shows what was
// prepared there.
describe('prepared statements', () => {
  let database: TestDatabase;
  let ds: DataSource;
  let db: Kysely<DB>;

  beforeAll(async () => {
    database = await createTestDatabase(API_TEMPLATE_DB);
    ds = new DataSource({ type: 'postgres', url: database.url, extra: { max: 1 } });
    await ds.initialize();
    db = createSql<DB>(ds);
  });
  afterAll(async () => {
    await ds.destroy();
    await database.drop();
  });

  const preparedHere = async (): Promise<string[]> => {
    const { rows } = await sql<{
      statement: string;
    }>`SELECT statement FROM pg_prepared_statements WHERE name LIKE 'k\\_%'`.execute(db);
    return rows.map((r) => r.statement);
  };
  const doubled = (n: number) => prepared(sql<{ n: number }>`SELECT ${n}::int * 2 AS n`);

  it('runs a marked statement as a named statement, once prepared, with each call its own values', async () => {
    const answers: number[] = [];
    for (const n of [1, 2, 3]) answers.push(Number((await doubled(n).execute(db)).rows[0]?.n));
    expect(answers).toEqual([2, 4, 6]);
    const statements = await preparedHere();
    expect(statements.filter((s) => s.includes('* 2 AS n'))).toHaveLength(1);
  });

  it('leaves unmarked statements unprepared', async () => {
    const before = await preparedHere();
    await sql`SELECT 42 AS unmarked`.execute(db);
    expect(await preparedHere()).toEqual(before);
  });

  it('runs a marked statement inside a transaction, which still rolls back', async () => {
    const marker = `prepared-${Date.now()}`;
    await expect(
      inTransaction(db, async (tx) => {
        await prepared(
          sql`INSERT INTO users (github_id, github_host, login) VALUES (${Date.now()}, 'github.com', ${marker})`,
        ).execute(tx);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    const { rows } = await sql<{
      n: string;
    }>`SELECT count(*) AS n FROM users WHERE login = ${marker}`.execute(db);
    expect(rows[0]?.n).toBe('0');
    expect((await preparedHere()).some((s) => s.includes('INSERT INTO users'))).toBe(true);
  });

  it('survives Postgres ending a connection a transaction holds between statements: the transaction fails, the process and the pool carry on', async () => {
    const other = new DataSource({ type: 'postgres', url: database.url, extra: { max: 1 } });
    await other.initialize();
    try {
      const outcome = inTransaction(db, async (tx) => {
        const { rows } = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(tx);
        // Postgres ends the session while the transaction waits between statements (as on a restart).
        await other.query('SELECT pg_terminate_backend($1)', [rows[0]?.pid]);
        await new Promise((r) => setTimeout(r, 200));
        await sql`SELECT 1`.execute(tx);
      });
      await expect(outcome).rejects.toThrow();
      const { rows } = await sql<{ n: number }>`SELECT 41 + 1 AS n`.execute(db);
      expect(rows[0]?.n).toBe(42);
    } finally {
      await other.destroy();
    }
  });
});
