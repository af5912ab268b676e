import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { ensureDatabase } from './databases';
import { makeOwnedTempDir, pidAlive, startPgCluster, type PgCluster } from './pg-cluster';

async function query(url: string, sql: string, params: unknown[] = []) {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(sql, params);
  } finally {
    await client.end();
  }
}

describe('startPgCluster', () => {
  const dataDir = join(makeOwnedTempDir('trackeep-pg-spec'), 'data');
  let cluster: PgCluster | undefined;

  afterAll(async () => {
    await cluster?.stop();
    rmSync(join(dataDir, '..'), { recursive: true, force: true });
  });

  it('starts a real PostgreSQL, stops it, and keeps the data across a restart', async () => {
    cluster = await startPgCluster({ dataDir });
    await ensureDatabase(cluster.adminUrl, 'keep');
    await query(cluster.urlFor('keep'), 'CREATE TABLE t (v text)');
    await query(cluster.urlFor('keep'), 'INSERT INTO t VALUES ($1)', ['kept']);
    await cluster.stop();
    expect(existsSync(join(dataDir, 'postmaster.pid'))).toBe(false);

    cluster = await startPgCluster({ dataDir });
    const rows = await query(cluster.urlFor('keep'), 'SELECT v FROM t');
    expect(rows.rows).toEqual([{ v: 'kept' }]);
  });

  it('takes over from a postmaster orphaned by a killed run on the same data dir', async () => {
    // Forget the handle, as a SIGKILLed parent would, and start again on the same directory.
    const orphanPid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    cluster = await startPgCluster({ dataDir });
    const newPid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    expect(newPid).not.toBe(orphanPid);
    expect(pidAlive(orphanPid)).toBe(false);
    const rows = await query(cluster.urlFor('keep'), 'SELECT count(*)::int AS n FROM t');
    expect(rows.rows[0].n).toBe(1);
  });

  it('starts after a crash left a postmaster.pid whose process is gone', async () => {
    const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    process.kill(pid, 'SIGKILL');
    // Wait for the postmaster to die; its children exit on their own once it is gone.
    for (let i = 0; i < 50 && pidAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
    expect(existsSync(join(dataDir, 'postmaster.pid'))).toBe(true);
    cluster = await startPgCluster({ dataDir });
    const rows = await query(cluster.urlFor('keep'), 'SELECT count(*)::int AS n FROM t');
    expect(rows.rows[0].n).toBe(1);
  });
});
