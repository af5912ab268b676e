import { startGithubSim, type GithubSimHandle } from '@trackeep/github-sim';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { pkceChallenge, randomToken, sha256Hex } from '../src/common/crypto.util';
import { mintCode, tokenRequest, withDb } from './support/codes';
import { CookieJar } from './support/cookie-jar';
import { callbackParams, signIn } from './support/github-browser';
import {
  basicAuth,
  clientOf,
  createTestGateway,
  type TestClient,
  type TestGateway,
} from './support/test-gateway';

const GH_APP = { clientId: 'Iv1.refreshtest0001', clientSecret: 'refresh-test-github-secret' };
const REFRESH_FIELDS = [
  'github_access_token',
  'github_refresh_token',
  'github_refresh_token_expires_in',
  'github_token_expires_in',
  'github_token_scope',
  'github_token_type',
];

/**
 * GitHub's token URL for the refresh grant, as GitHub answers it: single-use refresh tokens rotated on each
 * use, `200 {"error":"bad_refresh_token"}` for one it does not accept. It can also be down or answer 5xx.
 */
class GithubTokenStub {
  readonly live = new Set<string>();
  readonly calls: Array<Record<string, string>> = [];
  /** Requests received, answered or not yet. */
  received = 0;
  mode: 'up' | 'dropping' | 'failing' = 'up';
  /** While set, every answer waits for it (a refresh held in flight at GitHub). */
  gate: Promise<void> | null = null;
  private server: Server | null = null;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        this.received++;
        void (this.gate ?? Promise.resolve()).then(() => this.answer(req, res, body));
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** A refresh token GitHub issued at sign-in. */
  issue(): string {
    const token = `ghr_${randomToken(48)}`;
    this.live.add(token);
    return token;
  }

  private answer(req: IncomingMessage, res: ServerResponse, body: string): void {
    if (req.method !== 'POST' || req.url !== '/login/oauth/access_token') {
      res.writeHead(404).end();
      return;
    }
    const form = Object.fromEntries(new URLSearchParams(body));
    this.calls.push(form);
    if (this.mode === 'dropping') {
      res.destroy();
      return;
    }
    if (this.mode === 'failing') {
      res.writeHead(502, { 'content-type': 'text/html' }).end('<html>Bad gateway</html>');
      return;
    }
    const json = (value: unknown) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(value));
    const refreshToken = form['refresh_token'] ?? '';
    if (
      form['grant_type'] !== 'refresh_token' ||
      form['client_id'] !== GH_APP.clientId ||
      form['client_secret'] !== GH_APP.clientSecret
    ) {
      json({
        error: 'incorrect_client_credentials',
        error_description: 'The client_id and/or client_secret passed are incorrect.',
      });
      return;
    }
    if (!this.live.delete(refreshToken)) {
      json({
        error: 'bad_refresh_token',
        error_description: 'The refresh token passed is incorrect or expired.',
      });
      return;
    }
    json({
      access_token: `ghu_${randomToken(27)}`,
      expires_in: 28800,
      refresh_token: this.issue(),
      refresh_token_expires_in: 15897600,
      scope: '',
      token_type: 'bearer',
    });
  }
}

describe('POST /oauth/github/refresh', () => {
  const github = new GithubTokenStub();
  let t: TestGateway;
  let a: TestClient;
  let b: TestClient;
  /** Every secret value seen in this file; none may appear in a log line. */
  const secrets = new Set<string>();

  beforeAll(async () => {
    await github.start();
    t = await createTestGateway({ github: { webUrl: github.url, apiUrl: github.url, ...GH_APP } });
    a = clientOf(t, 'instance-a');
    b = clientOf(t, 'instance-b');
    for (const c of Object.values(t.clients)) secrets.add(c.secret);
    secrets.add(GH_APP.clientSecret);
  });
  afterAll(async () => {
    await t.close();
    await github.stop();
  });
  beforeEach(() => {
    github.mode = 'up';
    github.gate = null;
  });

  /** A sign-in of `client` with an expiring GitHub token; answers the token endpoint's body. */
  async function signInExpiring(client: TestClient = a): Promise<Record<string, unknown>> {
    const refreshToken = github.issue();
    secrets.add(refreshToken);
    const minted = await mintCode(t, client, {
      githubToken: {
        access_token: `ghu_${randomToken(27)}`,
        scope: '',
        expires_in: 28800,
        refresh_token: refreshToken,
        refresh_token_expires_in: 15897600,
      },
    });
    const res = await tokenRequest(t, { client, code: minted.code, verifier: minted.verifier });
    expect(res.status).toBe(200);
    return (await res.json()) as Record<string, unknown>;
  }

  async function refreshTokenOf(client: TestClient = a): Promise<string> {
    return (await signInExpiring(client))['github_refresh_token'] as string;
  }

  function refresh(
    refreshToken: string,
    client: TestClient = a,
    options: { secret?: string; gateway?: TestGateway } = {},
  ): Promise<Response> {
    return fetch(`${(options.gateway ?? t).url}/oauth/github/refresh`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: basicAuth(client.client_id, options.secret ?? client.secret),
      },
      body: new URLSearchParams({ refresh_token: refreshToken }),
    });
  }

  async function expectError(res: Response, status: number, error: string): Promise<string> {
    expect(res.status).toBe(status);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as Record<string, string>;
    expect(Object.keys(body).sort()).toEqual(['error', 'error_description']);
    expect(body['error']).toBe(error);
    return body['error_description'] ?? '';
  }

  async function expectRefreshed(res: Response): Promise<Record<string, unknown>> {
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(REFRESH_FIELDS);
    secrets.add(body['github_access_token'] as string);
    secrets.add(body['github_refresh_token'] as string);
    return body;
  }

  describe('at sign-in', () => {
    it('forwards GitHub’s refresh token and both expiries at the token endpoint', async () => {
      const body = await signInExpiring();
      expect(body).toMatchObject({
        github_token_expires_in: 28800,
        github_refresh_token: expect.stringMatching(/^ghr_/),
        github_refresh_token_expires_in: 15897600,
      });
      expect(github.live.has(body['github_refresh_token'] as string)).toBe(true);
    });

    it('omits the refresh fields for a non-expiring OAuth App token', async () => {
      const minted = await mintCode(t, a);
      const res = await tokenRequest(t, { code: minted.code, verifier: minted.verifier });
      const body = (await res.json()) as Record<string, unknown>;
      expect(body['github_access_token']).toBe(minted.githubToken.access_token);
      expect(
        Object.keys(body).filter((k) => k.startsWith('github_refresh') || k === 'github_token_expires_in'),
      ).toEqual([]);
    });

    it('keeps only a hash of the refresh token, bound to the client it was issued to', async () => {
      const refreshToken = await refreshTokenOf(b);
      const rows = await withDb(t, async (db) => {
        const result = await db.query(`SELECT * FROM github_refresh_tokens WHERE token_hash = $1`, [
          sha256Hex(refreshToken),
        ]);
        const all = await db.query(`SELECT row_to_json(r)::text AS row FROM github_refresh_tokens r`);
        return { bound: result.rows, dump: all.rows.map((r: { row: string }) => r.row).join('\n') };
      });
      expect(rows.bound).toEqual([
        expect.objectContaining({ client_id: 'instance-b', subject: 'github.example|583231', used_at: null }),
      ]);
      expect(rows.dump).not.toContain(refreshToken);
    });
  });

  describe('a refresh', () => {
    it('exchanges the refresh token at GitHub with the gateway’s app credentials and answers the rotated pair', async () => {
      const refreshToken = await refreshTokenOf();
      const calls = github.calls.length;
      const body = await expectRefreshed(await refresh(refreshToken));
      expect(github.calls.slice(calls)).toEqual([
        {
          grant_type: 'refresh_token',
          refresh_token: refreshToken,
          client_id: GH_APP.clientId,
          client_secret: GH_APP.clientSecret,
        },
      ]);
      expect(body).toMatchObject({
        github_access_token: expect.stringMatching(/^ghu_/),
        github_token_type: 'bearer',
        github_token_scope: '',
        github_token_expires_in: 28800,
        github_refresh_token_expires_in: 15897600,
      });
      expect(body['github_refresh_token']).not.toBe(refreshToken);
      expect(github.live.has(body['github_refresh_token'] as string)).toBe(true);
    });

    it('lets the rotated refresh token refresh again, and so on', async () => {
      let refreshToken = await refreshTokenOf();
      for (let i = 0; i < 3; i++)
        refreshToken = (await expectRefreshed(await refresh(refreshToken)))['github_refresh_token'] as string;
    });
  });

  describe('reuse', () => {
    it('refuses a refresh token used before without calling GitHub, and revokes the tokens rotated from it', async () => {
      const first = await refreshTokenOf();
      const rotated = (await expectRefreshed(await refresh(first)))['github_refresh_token'] as string;
      const calls = github.calls.length;
      const logged = t.logs.length;

      expect(await expectError(await refresh(first), 400, 'invalid_grant')).toMatch(/already used/);
      expect(await expectError(await refresh(rotated), 400, 'invalid_grant')).toMatch(/revoked/);
      expect(github.calls.length).toBe(calls);
      const lines = t.logs.slice(logged).join('\n');
      expect(lines).toMatch(/possible theft/);
      expect(lines).toContain('instance-a');
      expect(lines).not.toContain(first);
      expect(lines).not.toContain(rotated);
    });

    it('refuses a refresh token presented on another replica while its first use is at GitHub, and discards that rotation', async () => {
      const replica = await createTestGateway({ replicaOf: t });
      let release = () => undefined as void;
      github.gate = new Promise<void>((resolve) => (release = resolve));
      try {
        const refreshToken = await refreshTokenOf();
        const received = github.received;
        const first = refresh(refreshToken, a);
        while (github.received === received) await new Promise((resolve) => setTimeout(resolve, 10));

        const second = await refresh(refreshToken, a, { gateway: replica });
        expect(await expectError(second, 400, 'invalid_grant')).toMatch(/already used/);
        release();
        expect(await expectError(await first, 400, 'invalid_grant')).toMatch(/revoked/);
        expect(github.received).toBe(received + 1);
      } finally {
        release();
        await replica.close();
      }
    });
  });

  describe('refusals before GitHub is asked', () => {
    it('refuses another client’s refresh token, which stays usable by its own client', async () => {
      const refreshToken = await refreshTokenOf(a);
      const calls = github.calls.length;
      const logged = t.logs.length;
      expect(await expectError(await refresh(refreshToken, b), 400, 'invalid_grant')).toMatch(
        /issued to another client/,
      );
      expect(github.calls.length).toBe(calls);
      expect(t.logs.slice(logged).join('\n')).toMatch(
        /instance-b presented a refresh token .* issued to client instance-a: possible theft/,
      );
      await expectRefreshed(await refresh(refreshToken, a));
    });

    it.each([
      ['a wrong secret', () => ({ client: clientOf(t, 'instance-a'), secret: randomToken() })],
      [
        'an unknown client',
        () => ({
          client: { ...clientOf(t, 'instance-a'), client_id: 'no-such-instance' },
          secret: clientOf(t, 'instance-a').secret,
        }),
      ],
    ])('answers 401 invalid_client for %s, and the token stays usable', async (_label, who) => {
      const refreshToken = await refreshTokenOf();
      const calls = github.calls.length;
      const { client, secret } = who();
      const res = await refresh(refreshToken, client, { secret });
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic/);
      await expectError(res, 401, 'invalid_client');
      expect(github.calls.length).toBe(calls);
      await expectRefreshed(await refresh(refreshToken));
    });

    it('answers 401 invalid_client without client authentication', async () => {
      const res = await fetch(`${t.url}/oauth/github/refresh`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ refresh_token: 'ghr_x' }),
      });
      await expectError(res, 401, 'invalid_client');
    });

    it('refuses a refresh token the gateway never issued', async () => {
      const calls = github.calls.length;
      expect(await expectError(await refresh(github.issue()), 400, 'invalid_grant')).toMatch(/sign in again/);
      expect(github.calls.length).toBe(calls);
    });

    it('refuses an expired refresh token', async () => {
      const refreshToken = await refreshTokenOf();
      await withDb(t, (db) =>
        db.query(
          `UPDATE github_refresh_tokens SET expires_at = now() - interval '1 second' WHERE token_hash = $1`,
          [sha256Hex(refreshToken)],
        ),
      );
      const calls = github.calls.length;
      expect(await expectError(await refresh(refreshToken), 400, 'invalid_grant')).toMatch(/expired/);
      expect(github.calls.length).toBe(calls);
    });

    it.each([
      ['no refresh_token', new URLSearchParams({})],
      [
        'refresh_token twice',
        new URLSearchParams([
          ['refresh_token', 'ghr_a'],
          ['refresh_token', 'ghr_b'],
        ]),
      ],
      ['a refresh_token with whitespace', new URLSearchParams({ refresh_token: 'ghr_a b' })],
    ])('answers 400 invalid_request for %s', async (_label, form) => {
      const res = await fetch(`${t.url}/oauth/github/refresh`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: basicAuth(a.client_id, a.secret),
        },
        body: form,
      });
      await expectError(res, 400, 'invalid_request');
    });

    it('answers 400 invalid_request for a JSON body', async () => {
      const res = await fetch(`${t.url}/oauth/github/refresh`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: basicAuth(a.client_id, a.secret) },
        body: JSON.stringify({ refresh_token: 'ghr_x' }),
      });
      await expectError(res, 400, 'invalid_request');
    });
  });

  describe('GitHub’s answers', () => {
    it('turns GitHub’s bad_refresh_token into 400 invalid_grant', async () => {
      const refreshToken = await refreshTokenOf();
      github.live.delete(refreshToken); // e.g. the user revoked the app on GitHub
      expect(await expectError(await refresh(refreshToken), 400, 'invalid_grant')).toMatch(
        /bad_refresh_token/,
      );
    });

    it.each([
      ['GitHub unreachable', 'dropping' as const],
      ['a 5xx from GitHub', 'failing' as const],
    ])(
      'answers 503 temporarily_unavailable with Retry-After for %s, and the token can be retried',
      async (_label, mode) => {
        const refreshToken = await refreshTokenOf();
        github.mode = mode;
        const res = await refresh(refreshToken);
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(await expectError(res, 503, 'temporarily_unavailable')).toMatch(/GitHub could not be reached/);
        github.mode = 'up';
        await expectRefreshed(await refresh(refreshToken));
      },
    );
  });

  it('answers 502 server_error when GitHub refuses the gateway’s own app credentials, and the token can be retried', async () => {
    const misconfigured = await createTestGateway({
      replicaOf: t,
      github: { webUrl: github.url, apiUrl: github.url, ...GH_APP, clientSecret: 'not-the-app-secret' },
    });
    try {
      const refreshToken = await refreshTokenOf();
      const res = await refresh(refreshToken, a, { gateway: misconfigured });
      expect(await expectError(res, 502, 'server_error')).toMatch(/incorrect_client_credentials/);
      await expectRefreshed(await refresh(refreshToken));
    } finally {
      await misconfigured.close();
    }
  });

  it('counts the outcomes in /metrics', async () => {
    const text = await (await fetch(`${t.url}/metrics`)).text();
    const value = (result: string) =>
      Number(
        new RegExp(`^gateway_github_refreshes_total\\{[^}]*result="${result}"[^}]*\\} (\\d+)`, 'm').exec(
          text,
        )?.[1] ?? 0,
      );
    expect(value('refreshed')).toBeGreaterThanOrEqual(5);
    expect(value('invalid_grant')).toBeGreaterThanOrEqual(5);
    expect(value('invalid_client')).toBe(3);
    expect(value('invalid_request')).toBe(4);
    expect(value('temporarily_unavailable')).toBe(2);
    expect(value('server_error')).toBe(0);
  });

  it('never writes a token or secret to the logs', async () => {
    expect(secrets.size).toBeGreaterThan(20);
    const all = t.logs.join('\n');
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThan(10);
      expect(all).not.toContain(secret);
    }
    expect(all).not.toMatch(/ghr_|ghu_/);
  });
});

describe('expiring user tokens of a GitHub App, end to end against the GitHub simulator', () => {
  const APP = { clientId: 'Iv23ligatewayrefresh', clientSecret: 'gateway-refresh-app-secret' };
  const CALLBACK = 'https://app.example.com/api/v1/auth/oauth/callback';
  let sim: GithubSimHandle;
  let t: TestGateway;
  let a: TestClient;

  beforeAll(async () => {
    sim = await startGithubSim({ preset: 'small', seed: 11 });
    sim.world.registerGithubApp({ slug: 'trackeep-gateway-refresh', ...APP, expireUserTokens: true });
    t = await createTestGateway({
      github: { webUrl: sim.url, apiUrl: sim.apiUrl, ...APP },
      clients: [{ client_id: 'instance-a', redirect_uris: [CALLBACK] }],
    });
    a = clientOf(t, 'instance-a');
  });
  afterAll(async () => {
    await t?.close();
    await sim?.stop();
  });

  const asUser = (token: string) =>
    fetch(`${sim.apiUrl}/user`, { headers: { authorization: `Bearer ${token}` } });

  function refresh(refreshToken: string): Promise<Response> {
    return fetch(`${t.url}/oauth/github/refresh`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: basicAuth(a.client_id, a.secret),
      },
      body: new URLSearchParams({ refresh_token: refreshToken }),
    });
  }

  it('signs in, refreshes through the gateway, rotates, and refuses the spent refresh token', async () => {
    const verifier = randomToken(48);
    const authorize = new URLSearchParams({
      response_type: 'code',
      client_id: a.client_id,
      redirect_uri: CALLBACK,
      state: randomToken(16),
      code_challenge: pkceChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const nav = await signIn(new CookieJar(), `${t.url}/auth/github?${authorize}`, {
      login: 'octocat',
      redirectUri: CALLBACK,
    });
    const code = callbackParams(nav).get('code') as string;
    const res = await tokenRequest(t, { client: a, code, verifier });
    expect(res.status).toBe(200);
    const signedIn = (await res.json()) as Record<string, unknown>;
    expect(signedIn).toMatchObject({
      github_access_token: expect.stringMatching(/^ghu_/),
      github_token_expires_in: 28800,
      github_refresh_token: expect.stringMatching(/^ghr_/),
      github_refresh_token_expires_in: expect.any(Number),
    });

    const refreshed = await refresh(signedIn['github_refresh_token'] as string);
    expect(refreshed.status).toBe(200);
    const body = (await refreshed.json()) as Record<string, unknown>;
    expect(body['github_refresh_token']).toMatch(/^ghr_/);
    expect(body['github_refresh_token']).not.toBe(signedIn['github_refresh_token']);
    expect((await asUser(body['github_access_token'] as string)).status).toBe(200);
    expect((await asUser(signedIn['github_access_token'] as string)).status).toBe(401);

    const tokenCalls = sim.stats().oauth.tokensIssued + sim.stats().oauth.tokenErrors;
    const reused = await refresh(signedIn['github_refresh_token'] as string);
    expect(reused.status).toBe(400);
    expect(await reused.json()).toMatchObject({ error: 'invalid_grant' });
    expect(sim.stats().oauth.tokensIssued + sim.stats().oauth.tokenErrors).toBe(tokenCalls);
  });
});
