import { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from './test-postgres';

describe('a test file gets its own database (file b)', () => {
  let db: TestDatabase;
  let client: Client;

  beforeAll(async () => {
    db = await createTestDatabase('testing_template');
    client = new Client({ connectionString: db.url });
    await client.connect();
  });
  afterAll(async () => {
    await client.end();
    await db.drop();
  });

  it('starts from the migrated template and never sees rows written by other files', async () => {
    await client.query("INSERT INTO item (owner) SELECT 'b' FROM generate_series(1, 5)");
    // Give the other file time to write its rows, if it shared our database we would see them.
    await new Promise((r) => setTimeout(r, 300));
    const { rows } = await client.query('SELECT owner, count(*)::int AS n FROM item GROUP BY owner');
    expect(rows).toEqual([{ owner: 'b', n: 5 }]);
  });
});
