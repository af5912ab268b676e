import type { INestApplication } from '@nestjs/common';
import { parseEnv } from '@trackeep/server-core';
import { PassThrough } from 'node:stream';
import { Client } from 'pg';
import request from 'supertest';
import { createApp } from '../src/app/create-app';
import { GITHUB_TOKEN_REFRESH_MARGIN_MS } from '../src/auth/github-token-refresher.service';
import { GithubTokenUnavailableException } from '../src/auth/github-token-unavailable.exception';
import { TokenCipher } from '../src/auth/token-cipher.service';
import { ApiEnv } from '../src/config/api-env';
import { GithubClientFactory } from '../src/github/github-client.factory';
import { RepoCredentials } from '../src/repos/repo-credentials.service';
import { startAuthHarness, withSession, CSRF, type AuthHarness } from './support/auth-harness';
import type { GatewayAnswer } from './support/fake-gateway';

const EIGHT_HOURS_S = 8 * 3600;
const SIX_MONTHS_S = 184 * 24 * 3600;

describe('expiring GitHub user tokens (refreshed through the gateway)', () => {
  let h: AuthHarness;
  let db: Client;
  let refreshCount = 0;

  beforeAll(async () => {
    h = await startAuthHarness();
    db = new Client({ connectionString: h.t.db.url });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await h.close();
  });

  /** Each sign-in hands out an 8-hour token with its own refresh token, as a GitHub App's does. */
  function issueExpiringTokens(): string {
    const refreshToken = `ghr_signin${Date.now()}${Math.random().toString(36).slice(2)}`;
    h.gateway.githubTokenExtras = {
      github_token_expires_in: EIGHT_HOURS_S,
      github_refresh_token: refreshToken,
      github_refresh_token_expires_in: SIX_MONTHS_S,
    };
    return refreshToken;
  }

  /** A gateway that rotates: a new simulator token for `login` and a new refresh token each time. */
  function rotatingGateway(login: string, delayMs = 0): (refreshToken: string) => Promise<GatewayAnswer> {
    return async () => {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      refreshCount++;
      return {
        status: 200,
        body: {
          github_access_token: h.sim.issueToken(login),
          github_token_type: 'bearer',
          github_token_scope: '',
          github_token_expires_in: EIGHT_HOURS_S,
          github_refresh_token: `ghr_rotated${refreshCount}x${Math.random().toString(36).slice(2)}`,
          github_refresh_token_expires_in: SIX_MONTHS_S,
        },
      };
    };
  }

  const row = async (login: string) =>
    (await db.query('SELECT * FROM users WHERE login = $1', [login])).rows[0] as Record<string, unknown> & {
      id: string;
      github_token_enc: string;
      github_refresh_token_enc: string | null;
      github_token_expires_at: Date | null;
      github_refresh_expires_at: Date | null;
      reauth_required: boolean;
    };

  const expireIn = (login: string, ms: number) =>
    db.query(
      `UPDATE users SET github_token_expires_at = now() + make_interval(secs => $2::float8 / 1000) WHERE login = $1`,
      [login, ms],
    );

  const cipher = () => h.t.app.get(TokenCipher);
  const opened = (sealed: string, userId: string) => cipher().decrypt(sealed, userId);

  const listRepos = (session: string, app: INestApplication = h.t.app) =>
    request(app.getHttpServer()).get('/api/v1/github/repos').set('Cookie', withSession(session));

  beforeEach(() => {
    h.gateway.onGithubRefresh = null;
    h.gateway.githubRefreshes.length = 0;
    h.gateway.githubTokenExtras = null;
  });

  it('stores the refresh token from sign-in encrypted, with both expiries, and no ghr_ plaintext in any column', async () => {
    const refreshToken = issueExpiringTokens();
    const before = Date.now();
    await h.signIn('octocat');
    const user = await row('octocat');
    expect(JSON.stringify(user)).not.toContain('ghr_');
    expect(user.github_refresh_token_enc).toMatch(/^v1:/);
    expect(opened(user.github_refresh_token_enc!, user.id)).toBe(refreshToken);
    const expiresAt = user.github_token_expires_at!.getTime();
    expect(expiresAt).toBeGreaterThanOrEqual(before + EIGHT_HOURS_S * 1000 - 1000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + EIGHT_HOURS_S * 1000 + 1000);
    expect(user.github_refresh_expires_at!.getTime()).toBeGreaterThan(before + (SIX_MONTHS_S - 60) * 1000);
  });

  it('keeps the expiry columns empty for a token that does not expire, and never calls the refresh endpoint', async () => {
    const { session } = await h.signIn('hubot');
    const user = await row('hubot');
    expect(user.github_token_expires_at).toBeNull();
    expect(user.github_refresh_token_enc).toBeNull();
    await listRepos(session).expect(200);
    expect(h.gateway.githubRefreshes).toHaveLength(0);
  });

  it('uses a token with more than the margin left as it is', async () => {
    issueExpiringTokens();
    const { session } = await h.signIn('octocat');
    await expireIn('octocat', GITHUB_TOKEN_REFRESH_MARGIN_MS + 60_000);
    h.gateway.onGithubRefresh = rotatingGateway('octocat');
    await listRepos(session).expect(200);
    expect(h.gateway.githubRefreshes).toHaveLength(0);
  });

  it('refreshes a token about to expire before using it, and stores the rotated pair first', async () => {
    const signInRefresh = issueExpiringTokens();
    const { session } = await h.signIn('octocat');
    const old = await row('octocat');
    await expireIn('octocat', 60_000);
    h.gateway.onGithubRefresh = rotatingGateway('octocat');

    await listRepos(session).expect(200);

    expect(h.gateway.githubRefreshes).toEqual([signInRefresh]);
    const now = await row('octocat');
    expect(now.reauth_required).toBe(false);
    expect(opened(now.github_token_enc, now.id)).not.toBe(opened(old.github_token_enc, old.id));
    expect(opened(now.github_refresh_token_enc!, now.id)).toMatch(/^ghr_rotated/);
    expect(now.github_token_expires_at!.getTime()).toBeGreaterThan(
      Date.now() + EIGHT_HOURS_S * 1000 - 60_000,
    );
    expect(JSON.stringify(now)).not.toContain('ghr_');

    // The next use presents the rotated refresh token, never the spent one.
    await expireIn('octocat', 60_000);
    await listRepos(session).expect(200);
    expect(h.gateway.githubRefreshes).toHaveLength(2);
    expect(h.gateway.githubRefreshes[1]).toBe(opened(now.github_refresh_token_enc!, now.id));
  });

  it('refreshes exactly once when two replicas on one database need the token at the same moment', async () => {
    issueExpiringTokens();
    const { session } = await h.signIn('octocat');
    await expireIn('octocat', 30_000);
    // Slow enough that every request below is waiting for the refresh while it runs.
    h.gateway.onGithubRefresh = rotatingGateway('octocat', 400);

    const logs: string[] = [];
    const stream = new PassThrough();
    stream.on('data', (c: Buffer) => logs.push(...c.toString('utf8').split('\n').filter(Boolean)));
    const replica = await createApp(
      parseEnv(ApiEnv, { ...h.env, NODE_ENV: 'test', DATABASE_URL: h.t.db.url, DB_POOL_SIZE: '4' }),
      { logStream: stream },
    );
    await replica.init();
    replica.flushLogs();
    try {
      const answers = await Promise.all(
        [h.t.app, replica, h.t.app, replica, replica, h.t.app].map((app) => listRepos(session, app)),
      );
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200]);
    } finally {
      await replica.close();
    }
    expect(h.gateway.githubRefreshes).toHaveLength(1);
    expect((await row('octocat')).reauth_required).toBe(false);
    expect(logs.join('\n')).not.toMatch(/gh[ru]_|ghp_/);
  });

  it('asks the person to sign in again when the gateway refuses the refresh (invalid_grant), keeping their data', async () => {
    issueExpiringTokens();
    const { session } = await h.signIn('octocat');
    await request(h.t.app.getHttpServer())
      .post('/api/v1/repos/octocat/Hello-World/track')
      .set('Cookie', withSession(session))
      .set(CSRF)
      .expect((res) => expect(res.status).toBeLessThan(300));
    const userId = (await row('octocat')).id;
    const tracked = async () =>
      Number(
        (await db.query('SELECT count(*) FROM tracked_repos WHERE user_id = $1', [userId])).rows[0].count,
      );
    expect(await tracked()).toBe(1);

    await expireIn('octocat', 60_000);
    h.gateway.onGithubRefresh = () => ({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'The refresh token was already used' },
    });
    const res = await listRepos(session).expect(401);
    expect(res.body.code).toBe('github_reauth_required');

    const after = await row('octocat');
    expect(after.reauth_required).toBe(true);
    expect(after.github_token_enc).not.toBeNull();
    expect(await tracked()).toBe(1);
    // The session itself stays: the dashboard can show who is signed in and ask them to sign in to GitHub again.
    await request(h.t.app.getHttpServer())
      .get('/api/v1/auth/me')
      .set('Cookie', withSession(session))
      .expect(200);
  });

  it('keeps using the old token while it is valid when the gateway is temporarily unavailable (503), without asking for sign-in', async () => {
    issueExpiringTokens();
    const { session } = await h.signIn('octocat');
    const before = await row('octocat');
    await expireIn('octocat', 60_000);
    h.gateway.onGithubRefresh = () => ({
      status: 503,
      body: { error: 'temporarily_unavailable' },
      headers: { 'retry-after': '30' },
    });

    await listRepos(session).expect(200);
    await listRepos(session).expect(200);

    // Tried on each use (nothing is spent by a 503), and nothing changed.
    expect(h.gateway.githubRefreshes).toEqual([
      opened(before.github_refresh_token_enc!, before.id),
      opened(before.github_refresh_token_enc!, before.id),
    ]);
    const after = await row('octocat');
    expect(after.reauth_required).toBe(false);
    expect(after.github_token_enc).toBe(before.github_token_enc);
    expect(after.github_refresh_token_enc).toBe(before.github_refresh_token_enc);

    // Once the gateway is back, the same refresh token works.
    h.gateway.onGithubRefresh = rotatingGateway('octocat');
    await listRepos(session).expect(200);
    expect(h.gateway.githubRefreshes).toHaveLength(3);
    expect((await row('octocat')).github_refresh_token_enc).not.toBe(before.github_refresh_token_enc);
  });

  it.each([
    ['503 temporarily_unavailable', { status: 503, body: { error: 'temporarily_unavailable' } }],
    ['502 server_error', { status: 502, body: { error: 'server_error' } }],
    ['401 invalid_client', { status: 401, body: { error: 'invalid_client' } }],
  ])(
    'answers an expired token whose refresh fails transiently (%s) with a clear 503, not a sign-in request',
    async (_name, answer) => {
      issueExpiringTokens();
      const { session } = await h.signIn('octocat');
      await expireIn('octocat', -60_000);
      h.gateway.onGithubRefresh = () => answer;

      const res = await listRepos(session).expect(503);
      expect(res.body.code).toBe('github_token_refresh_unavailable');
      expect(res.body.message).toMatch(/try again/i);
      expect((await row('octocat')).reauth_required).toBe(false);
    },
  );

  it('treats a gateway that drops the connection as transient', async () => {
    issueExpiringTokens();
    const { session } = await h.signIn('octocat');
    await expireIn('octocat', -60_000);
    h.gateway.onGithubRefresh = () => ({ status: 0, body: null });
    const res = await listRepos(session).expect(503);
    expect(res.body.code).toBe('github_token_refresh_unavailable');
    expect((await row('octocat')).reauth_required).toBe(false);
  });

  it('asks for sign-in without calling the gateway once the refresh token itself has expired', async () => {
    issueExpiringTokens();
    const { session } = await h.signIn('octocat');
    await expireIn('octocat', -60_000);
    await db.query(
      `UPDATE users SET github_refresh_expires_at = now() - interval '1 minute' WHERE login = 'octocat'`,
    );
    h.gateway.onGithubRefresh = rotatingGateway('octocat');
    const res = await listRepos(session).expect(401);
    expect(res.body.code).toBe('github_reauth_required');
    expect(h.gateway.githubRefreshes).toHaveLength(0);
  });

  it('renews an expiring token GitHub refused (401) instead of asking for sign-in; the retried request works', async () => {
    issueExpiringTokens();
    const { session } = await h.signIn('octocat');
    const before = await row('octocat');
    // As when the token expired while in use, or another replica's refresh revoked this copy.
    h.sim.world.revokeToken(opened(before.github_token_enc, before.id));
    h.gateway.onGithubRefresh = rotatingGateway('octocat');

    const first = await listRepos(session).expect(503);
    expect(first.body.code).toBe('github_token_refresh_unavailable');
    await listRepos(session).expect(200);

    expect(h.gateway.githubRefreshes).toEqual([opened(before.github_refresh_token_enc!, before.id)]);
    expect((await row('octocat')).reauth_required).toBe(false);
  });

  it('asks for sign-in when GitHub refused an expiring token (401) and refuses its refresh too', async () => {
    issueExpiringTokens();
    const { session } = await h.signIn('octocat');
    const before = await row('octocat');
    h.sim.world.revokeToken(opened(before.github_token_enc, before.id));
    h.gateway.onGithubRefresh = () => ({ status: 400, body: { error: 'invalid_grant' } });

    const res = await listRepos(session).expect(401);
    expect(res.body.code).toBe('github_reauth_required');
    expect(h.gateway.githubRefreshes).toHaveLength(1);
    expect((await row('octocat')).reauth_required).toBe(true);
  });

  describe('background work (sync, hook management)', () => {
    let session: string;
    let userId: string;
    let repoId: string;
    const factory = () => h.t.app.get(GithubClientFactory);
    const credentials = () => h.t.app.get(RepoCredentials);

    beforeAll(async () => {
      issueExpiringTokens();
      ({ session } = await h.signIn('monalisa'));
      await request(h.t.app.getHttpServer())
        .post('/api/v1/repos/octocat/Hello-World/track')
        .set('Cookie', withSession(session))
        .set(CSRF)
        .expect((res) => expect(res.status).toBeLessThan(300));
      userId = (await row('monalisa')).id;
      repoId = (await db.query(`SELECT repo_id FROM tracked_repos WHERE user_id = $1`, [userId])).rows[0]
        .repo_id as string;
    });
    beforeEach(async () => {
      await db.query(`UPDATE users SET reauth_required = false WHERE id = $1`, [userId]);
    });

    it('hands out a refreshed client for a repository', async () => {
      await expireIn('monalisa', 60_000);
      h.gateway.onGithubRefresh = rotatingGateway('monalisa');
      const picked = await credentials().forRepo(repoId);
      expect(picked?.userId).toBe(userId);
      expect(h.gateway.githubRefreshes).toHaveLength(1);
      expect((await picked!.octokit.request('GET /user')).status).toBe(200);
    });

    it('fails (to be retried) rather than reporting nobody can act when the only token expired and the refresh is down', async () => {
      await expireIn('monalisa', -60_000);
      h.gateway.onGithubRefresh = () => ({ status: 503, body: { error: 'temporarily_unavailable' } });
      await expect(credentials().forRepo(repoId)).rejects.toBeInstanceOf(GithubTokenUnavailableException);
      expect((await row('monalisa')).reauth_required).toBe(false);
    });

    it('reports nobody can act once the refresh is refused', async () => {
      await expireIn('monalisa', -60_000);
      h.gateway.onGithubRefresh = () => ({ status: 400, body: { error: 'invalid_grant' } });
      await expect(credentials().forRepo(repoId)).resolves.toBeNull();
      expect((await row('monalisa')).reauth_required).toBe(true);
    });

    it('does not flag the user for a 401 that followed a rotation moments ago (a client holding the revoked copy)', async () => {
      await expireIn('monalisa', 60_000);
      h.gateway.onGithubRefresh = rotatingGateway('monalisa');
      await credentials().forRepo(repoId);
      expect(h.gateway.githubRefreshes).toHaveLength(1);
      // The sync reports a 401 by user id only.
      expect(await factory().rejected(userId)).toBe(false);
      expect(h.gateway.githubRefreshes).toHaveLength(1);
      expect((await row('monalisa')).reauth_required).toBe(false);
    });

    it('still flags the user for a 401 to a token that does not expire', async () => {
      h.gateway.githubTokenExtras = null;
      await h.signIn('monalisa');
      expect(await factory().rejected(userId)).toBe(true);
      expect(h.gateway.githubRefreshes).toHaveLength(0);
      expect((await row('monalisa')).reauth_required).toBe(true);
    });
  });

  it('writes no GitHub token or refresh token to the logs', async () => {
    const secrets = [issueExpiringTokens()];
    const { session } = await h.signIn('octocat');
    await expireIn('octocat', 60_000);
    h.gateway.onGithubRefresh = async (presented) => {
      const answer = await rotatingGateway('octocat')(presented);
      const body = answer.body as Record<string, string>;
      secrets.push(body['github_access_token']!, body['github_refresh_token']!);
      return answer;
    };
    await listRepos(session).expect(200);
    await expireIn('octocat', -60_000);
    h.gateway.onGithubRefresh = () => ({ status: 400, body: { error: 'invalid_grant' } });
    await listRepos(session).expect(401);

    expect(secrets).toHaveLength(3);
    const logs = h.t.logs.join('\n');
    expect(logs).toContain('GitHub token refreshed');
    expect(logs).toContain('refresh refused');
    for (const secret of secrets) expect(logs).not.toContain(secret);
    expect(logs).not.toContain('ghr_');
  });
});
