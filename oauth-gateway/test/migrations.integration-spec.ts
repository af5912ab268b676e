import { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '@trackeep/testing';
import { gatewayDataSourceOptions } from '../src/database/data-source';
import { MIGRATIONS } from '../src/database/migrations';

async function tables(ds: DataSource): Promise<string[]> {
  const rows: Array<{ table_name: string }> = await ds.query(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'migrations' ORDER BY 1`,
  );
  return rows.map((r) => r.table_name);
}

describe('gateway migrations', () => {
  let db: TestDatabase;
  let ds: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase(); // empty, not the migrated template
    ds = await new DataSource(gatewayDataSourceOptions(db.url, 2)).initialize();
  });
  afterAll(async () => {
    await ds.destroy();
    await db.drop();
  });

  it('are named <unixms>-<Name> and listed in order', () => {
    const stamps = MIGRATIONS.map((m) => {
      expect(m.name).toMatch(/^[A-Z]\w+\d{13}$/);
      return Number(m.name.slice(-13));
    });
    expect([...stamps].sort((a, b) => a - b)).toEqual(stamps);
  });

  it('apply on an empty database, revert to nothing, and apply again', async () => {
    expect(await ds.runMigrations({ transaction: 'each' })).toHaveLength(MIGRATIONS.length);
    expect(await tables(ds)).toEqual([
      'access_tokens',
      'authorization_codes',
      'github_refresh_tokens',
      'pending_authorizations',
    ]);
    for (let i = 0; i < MIGRATIONS.length; i++) await ds.undoLastMigration({ transaction: 'each' });
    expect(await tables(ds)).toEqual([]);
    expect(await ds.runMigrations({ transaction: 'each' })).toHaveLength(MIGRATIONS.length);
  });

  it('has no column that could hold a token, code or secret in clear', async () => {
    const rows: Array<{ column_name: string }> = await ds.query(
      `SELECT column_name FROM information_schema.columns WHERE table_schema = 'public'`,
    );
    const names = rows.map((r) => r.column_name);
    expect(
      names.filter(
        (n) =>
          /token|code|secret|state|cookie|binding/.test(n) &&
          !/_hash$|_sealed$|^code_challenge$|^client_state$/.test(n),
      ),
    ).toEqual([]);
  });
});
