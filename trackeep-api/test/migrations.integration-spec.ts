import { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '@trackeep/testing';
import { apiDataSourceOptions } from '../src/database/data-source';
import { MIGRATIONS } from '../src/database/migrations';
import { CompressedWebhookBodies1764004800000 } from '../src/database/migrations/1764004800000-CompressedWebhookBodies';

async function tables(ds: DataSource): Promise<string[]> {
  const rows: Array<{ table_name: string }> = await ds.query(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'migrations' ORDER BY 1`,
  );
  return rows.map((r) => r.table_name);
}

describe('API migrations', () => {
  let db: TestDatabase;
  let ds: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase(); // empty, not the migrated template
    ds = await new DataSource(apiDataSourceOptions(db.url, 2)).initialize();
  });
  afterAll(async () => {
    await ds.destroy();
    await db.drop();
  });

  it('are named <unixms>-<Name> and listed in order', () => {
    const names = MIGRATIONS.map((m) => m.name);
    for (const name of names) expect(name).toMatch(/^[A-Z]\w+\d{13}$/);
    const stamps = names.map((n) => Number(n.slice(-13)));
    expect([...stamps].sort((a, b) => a - b)).toEqual(stamps);
  });

  it('apply on an empty database, then revert one by one back to nothing', async () => {
    const applied = await ds.runMigrations({ transaction: 'each' });
    expect(applied).toHaveLength(MIGRATIONS.length);
    expect(await tables(ds)).toEqual(
      expect.arrayContaining(['repositories', 'commits', 'pull_requests', 'activity_events']),
    );
    expect(await ds.showMigrations()).toBe(false);

    for (let i = 0; i < MIGRATIONS.length; i++) await ds.undoLastMigration({ transaction: 'each' });
    expect(await tables(ds)).toEqual([]);

    // And up again: down migrations must leave nothing that blocks a re-apply.
    expect(await ds.runMigrations({ transaction: 'each' })).toHaveLength(MIGRATIONS.length);
  });

  it('refuses to revert compressed webhook bodies while a delivery holds one', async () => {
    await ds.runMigrations({ transaction: 'each' });
    await ds.query(
      `INSERT INTO webhook_deliveries (delivery_id, event, signed_with, status, body, body_encoding)
       VALUES ('compressed-1', 'push', 'global', 'processed', '\\x0b'::bytea, 'brotli')`,
    );
    const runner = ds.createQueryRunner();
    await runner.startTransaction();
    try {
      await expect(new CompressedWebhookBodies1764004800000().down(runner)).rejects.toThrow(
        'webhook_deliveries holds compressed bodies; delete them before reverting',
      );
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
    await ds.query(`DELETE FROM webhook_deliveries WHERE delivery_id = 'compressed-1'`);
  });
});
