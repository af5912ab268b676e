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
import { pkceChallenge, randomToken } from '../src/common/crypto.util';
import { gatewayDataSourceOptions } from '../src/database/data-source';
import { mintCode, tokenRequest } from './support/codes';
import { clientOf, createTestGateway, type TestGateway } from './support/test-gateway';

// The gateway runs on a Postgres cluster of its own here, so the test can stop and restart it.
describe('the token endpoint and sign-in during a database outage', () => {
  const dir = makeOwnedTempDir('gateway-db-outage');
  let cluster: PgCluster;
  let t: TestGateway;

  beforeAll(async () => {
    cluster = await startPgCluster({ dataDir: join(dir, 'data'), ephemeral: true });
    await ensureDatabase(cluster.adminUrl, 'trackeep_gateway');
    const migrate = await new DataSource(
      gatewayDataSourceOptions(cluster.urlFor('trackeep_gateway'), 2),
    ).initialize();
    await migrate.runMigrations({ transaction: 'each' });
    await migrate.destroy();
    t = await createTestGateway({
      env: { DATABASE_URL: cluster.urlFor('trackeep_gateway'), DB_POOL_SIZE: '2' },
    });
  });

  afterAll(async () => {
    await t?.close().catch(() => undefined);
    await dropDatabase(cluster.adminUrl, 'trackeep_gateway').catch(() => undefined);
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 503 with Retry-After while Postgres is down, and exchanges codes again once it is back', async () => {
    const client = clientOf(t, 'instance-a');
    const minted = await mintCode(t, client);

    const port = cluster.port;
    await cluster.stop();
    const down = await tokenRequest(t, { code: minted.code, verifier: minted.verifier });
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBe('5');
    expect(await down.json()).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'The database is unavailable; retry shortly',
    });

    // The sign-in's state store is Postgres too: starting a sign-in and GitHub's redirect back answer 503.
    const authorize = new URLSearchParams({
      response_type: 'code',
      client_id: client.client_id,
      redirect_uri: client.redirect_uri,
      state: 'client-state',
      code_challenge: pkceChallenge(randomToken()),
      code_challenge_method: 'S256',
    });
    const start = await fetch(`${t.url}/auth/github?${authorize}`, { redirect: 'manual' });
    expect(start.status).toBe(503);
    const back = await fetch(`${t.url}/auth/github/callback?code=gh-code&state=${randomToken()}`, {
      redirect: 'manual',
      headers: { cookie: `gw_signin=${randomToken()}` },
    });
    expect(back.status).toBe(503);

    cluster = await startPgCluster({ dataDir: join(dir, 'data'), port, ephemeral: true });
    let status = 0;
    for (let attempt = 0; attempt < 50 && status !== 200; attempt++) {
      const again = await mintCode(t, client).catch(() => null);
      if (again) status = (await tokenRequest(t, { code: again.code, verifier: again.verifier })).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 200));
    }
    expect(status).toBe(200);
  });
});
