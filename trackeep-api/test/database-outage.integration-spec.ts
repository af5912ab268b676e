import {
  dropDatabase,
  ensureDatabase,
  makeOwnedTempDir,
  startPgCluster,
  type PgCluster,
} from '@trackeep/embedded-pg';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { apiDataSourceOptions } from '../src/database/data-source';
import { startAuthHarness, withSession, type AuthHarness } from './support/auth-harness';

// The API runs on a Postgres cluster of its own here, so the test can stop and restart it.
describe('data routes during a database outage', () => {
  const dir = makeOwnedTempDir('trackeep-db-outage');
  let cluster: PgCluster;
  let h: AuthHarness;
  let session: string;

  beforeAll(async () => {
    cluster = await startPgCluster({ dataDir: join(dir, 'data'), ephemeral: true });
    await ensureDatabase(cluster.adminUrl, 'trackeep');
    const migrate = await new DataSource(apiDataSourceOptions(cluster.urlFor('trackeep'), 2)).initialize();
    await migrate.runMigrations({ transaction: 'each' });
    await migrate.destroy();
    h = await startAuthHarness({ env: { DATABASE_URL: cluster.urlFor('trackeep'), DB_POOL_SIZE: '2' } });
    session = (await h.signIn('octocat')).session;
  });

  afterAll(async () => {
    await h?.close().catch(() => undefined);
    await dropDatabase(cluster.adminUrl, 'trackeep').catch(() => undefined);
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 503 service_unavailable with Retry-After while Postgres is down, and 200 again once it is back', async () => {
    const repos = () => h.http().get('/api/v1/repos').set('Cookie', withSession(session));
    expect((await repos()).status).toBe(200);

    const port = cluster.port;
    await cluster.stop();
    // Both the first request (its pooled connection was cut) and later ones (connection refused).
    for (let attempt = 0; attempt < 2; attempt++) {
      const down = await repos();
      expect(down.status).toBe(503);
      expect(down.headers['retry-after']).toBe('5');
      expect(down.body).toEqual({
        statusCode: 503,
        error: 'Service Unavailable',
        message: 'The database is unavailable; retry shortly',
        code: 'service_unavailable',
      });
    }
    expect((await h.http().get('/readyz')).status).toBe(503);

    cluster = await startPgCluster({ dataDir: join(dir, 'data'), port, ephemeral: true });
    let status = 0;
    for (let attempt = 0; attempt < 50 && status !== 200; attempt++) {
      status = (await repos()).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 200));
    }
    expect(status).toBe(200);
  });
});
