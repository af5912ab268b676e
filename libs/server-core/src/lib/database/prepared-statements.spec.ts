import { Kysely, PostgresDialect, sql } from 'kysely';
import type { Pool, PoolClient } from 'pg';
import { prepared, preparedQuery, preparingPool } from './prepared-statements';

interface Sent {
  name?: string;
  text: string;
  values: unknown[];
}

/** A pg pool whose one client records what it is asked to run (no server: only the wire shape is checked). */
function recordingPool(sent: Sent[], listened: string[] = []): Pool {
  const client = {
    on: (event: string) => {
      listened.push(event);
      return client;
    },
    release: () => undefined,
    query: (arg: unknown, values?: unknown[]) => {
      if (typeof arg === 'object' && arg !== null) sent.push(arg as Sent);
      else sent.push({ text: String(arg), values: values ?? [] });
      return Promise.resolve({ rows: [], command: 'SELECT', rowCount: 0 });
    },
  } as unknown as PoolClient;
  return { connect: async () => client } as unknown as Pool;
}

describe('prepared statements', () => {
  const sent: Sent[] = [];
  const db = new Kysely<{ t: { id: string; n: number } }>({
    dialect: new PostgresDialect({ pool: preparingPool(() => recordingPool(sent)) }),
  });
  beforeEach(() => (sent.length = 0));

  it('sends a built query as one named statement whose text does not vary with a list', async () => {
    const byIds = (ids: string[]) =>
      db.executeQuery(
        preparedQuery(
          db
            .selectFrom('t')
            .select('n')
            .where('id', '=', sql<string>`ANY(${ids}::uuid[])`),
        ),
      );
    await byIds(['a']);
    await byIds(['a', 'b', 'c']);
    expect(sent).toHaveLength(2);
    const [one, three] = sent;
    expect(one?.name).toMatch(/^k_[0-9a-f]{24}$/);
    expect(three?.name).toBe(one?.name);
    expect(three?.text).toBe(one?.text);
    expect(three?.values).toEqual([['a', 'b', 'c']]);
  });

  it('leaves unmarked statements unnamed and names raw ones marked with prepared', async () => {
    await db.selectFrom('t').select('n').where('n', '=', 1).execute();
    await prepared(sql`SELECT ${2}::int`).execute(db);
    expect(sent[0]?.name).toBeUndefined();
    expect(sent[1]?.name).toMatch(/^k_/);
    expect(sent[1]?.values).toEqual([2]);
  });

  it("listens for a client's errors once, however many Kysely instances share its pool", async () => {
    const listened: string[] = [];
    const pool = recordingPool([], listened);
    const over = () =>
      new Kysely<{ t: { n: number } }>({ dialect: new PostgresDialect({ pool: preparingPool(() => pool) }) });
    for (const k of [over(), over(), over()]) {
      await k.selectFrom('t').select('n').execute();
      await k.selectFrom('t').select('n').execute();
    }
    expect(listened).toEqual(['error']);
  });
});
