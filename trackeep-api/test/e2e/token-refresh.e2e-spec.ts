import type { INestApplication } from '@nestjs/common';
import { startGithubSim, type GithubSimHandle } from '@trackeep/github-sim';
import { parseEnv } from '@trackeep/server-core';
import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { Client } from 'pg';
import request from 'supertest';
import { createApp } from '../../src/app/create-app';
import { TokenCipher } from '../../src/auth/token-cipher.service';
import { ApiEnv } from '../../src/config/api-env';
import { Browser } from '../support/browser';
import { freePort, startGatewayProcess, type GatewayProcess } from '../support/gateway-process';
import { createTestApp, type TestApp } from '../support/test-app';

// Expiring user tokens end to end: a GitHub App with "Expire user authorization tokens" in the simulator, the
// real oauth-gateway (its build) forwarding the refresh token and refreshing it, and two API replicas.

const GH_APP = { clientId: 'Iv23liapirefreshe2e', clientSecret: 'api-refresh-e2e-github-secret' };
const CALLBACK = '/api/v1/auth/oauth/callback';

describe('end to end: expiring GitHub App user tokens refreshed through the real gateway', () => {
  let sim: GithubSimHandle;
  let gw: GatewayProcess;
  let t: TestApp;
  let api: string;
  let db: Client;
  let env: Record<string, string>;

  beforeAll(async () => {
    sim = await startGithubSim({ preset: 'small', seed: 11 });
    sim.world.registerGithubApp({ slug: 'trackeep-api-refresh', ...GH_APP, expireUserTokens: true });
    const port = await freePort();
    api = `http://127.0.0.1:${port}`;
    gw = await startGatewayProcess({
      redirectUri: `${api}${CALLBACK}`,
      github: { webUrl: sim.url, apiUrl: sim.apiUrl, ...GH_APP },
    });
    env = {
      FRONTEND_URL: api,
      GATEWAY_URL: gw.url,
      GATEWAY_CLIENT_ID: gw.clientId,
      GATEWAY_CLIENT_SECRET: gw.clientSecret,
      JWT_SECRET: randomBytes(48).toString('base64url'),
      TOKEN_ENCRYPTION_KEYS: `v1:${randomBytes(32).toString('base64')}`,
      GITHUB_WEB_URL: sim.url,
      GITHUB_API_URL: sim.apiUrl,
      AUTH_RATE_LIMIT_PER_MINUTE: '10000',
      SYNC_ENABLED: 'false',
    };
    t = await createTestApp(env);
    await t.app.listen(port, '127.0.0.1');
    db = new Client({ connectionString: t.db.url });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    await t?.close();
    await gw?.stop();
    await sim?.stop();
  });

  async function signIn(login: string): Promise<string> {
    const browser = new Browser();
    const start = await browser.request(`${api}/api/v1/auth/login`);
    await browser.navigate(start.location!, { login, stopAtPath: CALLBACK });
    const session = browser.cookie(api, 'trackeep_session');
    if (!session) throw new Error('sign-in failed');
    return session;
  }

  const row = async (login: string) =>
    (
      await db.query(
        'SELECT id, github_token_enc, github_refresh_token_enc, github_token_expires_at, reauth_required FROM users WHERE login = $1',
        [login],
      )
    ).rows[0] as {
      id: string;
      github_token_enc: string;
      github_refresh_token_enc: string | null;
      github_token_expires_at: Date | null;
      reauth_required: boolean;
    };
  const open = (sealed: string, userId: string) => t.app.get(TokenCipher).decrypt(sealed, userId);
  const asGithubUser = async (token: string) =>
    (await fetch(`${sim.apiUrl}/user`, { headers: { authorization: `Bearer ${token}` } })).status;
  const listRepos = (app: INestApplication, session: string) =>
    request(app.getHttpServer()).get('/api/v1/github/repos').set('Cookie', `trackeep_session=${session}`);
  const nearExpiry = (login: string) =>
    db.query(`UPDATE users SET github_token_expires_at = now() + interval '1 minute' WHERE login = $1`, [
      login,
    ]);

  it('stores the forwarded refresh token at sign-in and refreshes before expiry; the old token stops working', async () => {
    const session = await signIn('octocat');
    const signedIn = await row('octocat');
    expect(signedIn.github_refresh_token_enc).toMatch(/^v1:/);
    expect(open(signedIn.github_refresh_token_enc!, signedIn.id)).toMatch(/^ghr_/);
    expect(signedIn.github_token_expires_at!.getTime()).toBeGreaterThan(Date.now() + 7 * 3600_000);
    const oldToken = open(signedIn.github_token_enc, signedIn.id);
    expect(oldToken).toMatch(/^ghu_/);

    await nearExpiry('octocat');
    const refreshesBefore = sim.stats().apps.userTokenRefreshes;
    await listRepos(t.app, session).expect(200);

    expect(sim.stats().apps.userTokenRefreshes).toBe(refreshesBefore + 1);
    const refreshed = await row('octocat');
    const newToken = open(refreshed.github_token_enc, refreshed.id);
    expect(newToken).not.toBe(oldToken);
    expect(await asGithubUser(newToken)).toBe(200);
    expect(await asGithubUser(oldToken)).toBe(401);
    expect(refreshed.reauth_required).toBe(false);
  });

  it('refreshes once when two replicas race, so the gateway never sees the refresh token reused', async () => {
    const session = await signIn('hubot');
    await nearExpiry('hubot');
    const replica = await createApp(
      parseEnv(ApiEnv, { ...env, NODE_ENV: 'test', DATABASE_URL: t.db.url, DB_POOL_SIZE: '4' }),
      { logStream: new PassThrough() },
    );
    await replica.init();
    replica.flushLogs();
    const refreshesBefore = sim.stats().apps.userTokenRefreshes;
    try {
      const answers = await Promise.all(
        [t.app, replica, t.app, replica].map((app) => listRepos(app, session)),
      );
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    } finally {
      await replica.close();
    }
    expect(sim.stats().apps.userTokenRefreshes).toBe(refreshesBefore + 1);
    expect((await row('hubot')).reauth_required).toBe(false);

    // The rotated refresh token is still good (a reuse would have revoked the whole sign-in at the gateway).
    await nearExpiry('hubot');
    await listRepos(t.app, session).expect(200);
    expect(sim.stats().apps.userTokenRefreshes).toBe(refreshesBefore + 2);
    expect(gw.logs.join('\n')).not.toMatch(/reuse/i);
  });
});
