import { createTestDatabase, type TestDatabase } from '@trackeep/testing';
import { API_TEMPLATE_DB } from './support/test-app';
import {
  Db,
  GLOBAL_SECRET,
  httpRequest,
  postWebhook,
  pushPayload,
  seedTrackedRepo,
  seedUser,
  startApi,
  type RunningApi,
  type SeededRepo,
} from './webhooks-support';

const BAD_SIGNATURE = `sha256=${'c'.repeat(64)}`;
const LIMITS = { WEBHOOK_BAD_SIGNATURE_LIMIT: '3', AUTH_RATE_LIMIT_PER_MINUTE: '3' };

/**
 * The bad-signature limit and the sign-in limit count the client's real address (X-Forwarded-For only from
 * TRUSTED_PROXIES), in PostgreSQL shared by every replica, and never refuse a correctly signed delivery.
 * Every test runs on fresh API instances and empty counters: all requests come from 127.0.0.1.
 */
describe('rate limits: client addresses and replicas', () => {
  let database: TestDatabase;
  let db: Db;
  let repo: SeededRepo;
  const running: RunningApi[] = [];

  const start = async (env: Record<string, string> = {}) => {
    const api = await startApi(database.url, { ...LIMITS, ...env });
    running.push(api);
    return api;
  };
  const badDelivery = (api: RunningApi, forwardedFor?: string) =>
    postWebhook(api.url, {
      event: 'push',
      payload: pushPayload(repo),
      headers: { 'x-hub-signature-256': BAD_SIGNATURE, 'x-forwarded-for': forwardedFor },
    });
  const goodDelivery = (api: RunningApi, forwardedFor?: string) =>
    postWebhook(api.url, {
      event: 'push',
      payload: pushPayload(repo),
      secret: GLOBAL_SECRET,
      headers: { 'x-forwarded-for': forwardedFor },
    });
  /** A sign-in route (throttled): GitHub sent the user back with an error, so it always redirects. */
  const signInCallback = (api: RunningApi, forwardedFor?: string) =>
    httpRequest(`${api.url}/api/v1/auth/oauth/callback?error=access_denied&state=x`, {
      headers: { 'x-forwarded-for': forwardedFor },
    });
  const statuses = async (n: number, send: (i: number) => Promise<{ status: number }>) => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push((await send(i)).status);
    return out;
  };

  beforeAll(async () => {
    database = await createTestDatabase(API_TEMPLATE_DB);
    db = await Db.connect(database.url);
    const setup = await start();
    const userId = await seedUser(db, setup.app, { login: 'monalisa' });
    repo = await seedTrackedRepo(db, setup.app, userId, { githubId: 9401, fullName: 'octo/limits' });
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((api) => api.close()));
    await db.rows('DELETE FROM rate_limit_counters');
  });
  afterAll(async () => {
    await db.end();
    await database.drop();
  });

  describe('without TRUSTED_PROXIES', () => {
    it('ignores a spoofed X-Forwarded-For: rotating it does not escape the bad-signature limit', async () => {
      const api = await start();
      const seen = await statuses(6, (i) => badDelivery(api, `198.51.100.${i + 1}`));
      expect(seen).toEqual([401, 401, 401, 401, 429, 429]);
    });

    it('ignores a spoofed X-Forwarded-For: rotating it does not escape the sign-in limit', async () => {
      const api = await start();
      const seen = await statuses(5, (i) => signInCallback(api, `198.51.100.${i + 1}`));
      expect(seen).toEqual([303, 303, 303, 429, 429]);
    });

    it("cannot be made to refuse GitHub: a spoofed GitHub address does not block GitHub's signed deliveries", async () => {
      const api = await start();
      await statuses(5, () => badDelivery(api, '140.82.115.1'));
      expect((await goodDelivery(api, '140.82.115.1')).status).toBe(202);
    });
  });

  describe('with TRUSTED_PROXIES=127.0.0.1/32', () => {
    it('honours X-Forwarded-For from the trusted proxy: each client address has its own limits', async () => {
      const api = await start({ TRUSTED_PROXIES: '127.0.0.1/32' });
      expect(await statuses(6, (i) => badDelivery(api, `198.51.100.${i + 1}`))).toEqual([
        401, 401, 401, 401, 401, 401,
      ]);
      expect(await statuses(5, () => badDelivery(api, '203.0.113.9'))).toEqual([401, 401, 401, 401, 429]);
      expect(await statuses(5, (i) => signInCallback(api, `198.51.100.${i + 1}`))).toEqual([
        303, 303, 303, 303, 303,
      ]);
      expect(await statuses(5, () => signInCallback(api, '203.0.113.9'))).toEqual([303, 303, 303, 429, 429]);
    });

    it('counts the address the trusted proxy saw, not one the client put in front of it', async () => {
      const api = await start({ TRUSTED_PROXIES: '127.0.0.1/32' });
      // The client sent "X-Forwarded-For: <random>"; the proxy appended the address it saw.
      const seen = await statuses(5, (i) => badDelivery(api, `10.9.8.${i}, 203.0.113.77`));
      expect(seen).toEqual([401, 401, 401, 401, 429]);
    });
  });

  it('accepts a correctly signed delivery from an address that is over the bad-signature limit', async () => {
    const api = await start();
    expect(await statuses(5, () => badDelivery(api))).toEqual([401, 401, 401, 401, 429]);
    const res = await goodDelivery(api);
    expect(res.status).toBe(202);
    expect(
      await db.rows('SELECT 1 FROM webhook_deliveries WHERE delivery_id = $1', [res.json()['deliveryId']]),
    ).toHaveLength(1);
    expect((await badDelivery(api)).status).toBe(429); // still blocked for bad ones
  });

  it('shares the limits between two instances on one database', async () => {
    const [a, b] = [await start(), await start()];
    expect(await statuses(2, () => badDelivery(a))).toEqual([401, 401]);
    expect(await statuses(2, () => badDelivery(b))).toEqual([401, 401]); // the 4th overall: over the limit of 3
    expect((await badDelivery(a)).status).toBe(429);
    expect((await badDelivery(b)).status).toBe(429);

    expect(await statuses(2, () => signInCallback(a))).toEqual([303, 303]);
    expect(await statuses(2, () => signInCallback(b))).toEqual([303, 429]);
    expect((await signInCallback(a)).status).toBe(429);
  });

  it('rejects a TRUSTED_PROXIES entry that is not an address or CIDR block', async () => {
    for (const value of ['10.0.0.0/33', 'proxy.internal', '1.2.3.4/8/9', 'fd00::/129']) {
      await expect(startApi(database.url, { TRUSTED_PROXIES: value })).rejects.toThrow(/TRUSTED_PROXIES/);
    }
  });
});
