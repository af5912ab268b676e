import { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '@trackeep/testing';
import { apiDataSourceOptions } from '../src/database/data-source';
import { MIGRATIONS } from '../src/database/migrations';
import { CompressedWebhookBodies1764004800000 } from '../src/database/migrations/1764004800000-CompressedWebhookBodies';
import { ReplacedHeads1764005000000 } from '../src/database/migrations/1764005000000-ReplacedHeads';

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

  it('moves the replaced heads a commit cursor holds to its branch, and back', async () => {
    await ds.runMigrations({ transaction: 'each' });
    const [{ id }] = (await ds.query(
      `INSERT INTO repositories (github_id, node_id, owner, name, full_name, html_url, github_host)
       VALUES (1, 'R_1', 'acme', 'app', 'acme/app', 'https://github.com/acme/app', 'github.com') RETURNING id`,
    )) as [{ id: string }];
    const old = ['a'.repeat(40), 'b'.repeat(40)];
    await ds.query(
      `INSERT INTO branches (repo_id, name, head_sha) VALUES ($1, 'main', $2), ($1, 'dev', $2)`,
      [id, 'c'.repeat(40)],
    );
    const cursor = (stream: string, state: object) =>
      ds.query(`INSERT INTO sync_cursors (repo_id, stream, state) VALUES ($1, $2, $3)`, [id, stream, state]);
    await cursor('commits:main', { rewritten: old, metOld: true });
    await cursor('commits:dev', { added: 3 });
    const runner = ds.createQueryRunner();
    const migration = new ReplacedHeads1764005000000();
    const heads = async () =>
      (await runner.query(`SELECT name, replaced_heads FROM branches WHERE repo_id = $1 ORDER BY name`, [
        id,
      ])) as Array<{ name: string; replaced_heads: string[] }>;
    const states = async () =>
      (
        (await runner.query(`SELECT state FROM sync_cursors WHERE repo_id = $1 ORDER BY stream`, [
          id,
        ])) as Array<{
          state: object;
        }>
      ).map((r) => r.state);
    await runner.startTransaction();
    try {
      // Back to the schema before it, where the cursors above were written.
      await migration.down(runner);
      await migration.up(runner);
      expect(await heads()).toEqual([
        { name: 'dev', replaced_heads: [] },
        { name: 'main', replaced_heads: old },
      ]);
      expect(await states()).toEqual([{ added: 3 }, { metOld: true }]);
      await migration.down(runner);
      expect(await states()).toEqual([{ added: 3 }, { metOld: true, rewritten: old }]);
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  });
});
