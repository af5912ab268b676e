import { startGithubSim, type GithubSimHandle } from '@trackeep/github-sim';
import { createHash, randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { GatewayClient, SignInError } from '../../src/auth/gateway-client.service';
import { UsersService } from '../../src/auth/users.service';
import { Browser, type Hop } from '../support/browser';
import { freePort, startGatewayProcess, type GatewayProcess } from '../support/gateway-process';
import { createTestApp, type TestApp } from '../support/test-app';

// The whole system as a browser meets it: the API (in process, listening), the real oauth-gateway (its
// build, as a child process) and the GitHub simulator with its consent page. Run after building the gateway:
// `npx nx run trackeep-api:e2e`.

const GH_APP = { clientId: 'Iv1.apie2e00000001', clientSecret: 'api-e2e-github-secret' };
const TOKEN_PATTERN = /gh[opsu]_[A-Za-z0-9]{20,}/;
const CALLBACK = '/api/v1/auth/oauth/callback';

describe('end to end: API + real gateway + GitHub simulator', () => {
  let sim: GithubSimHandle;
  let gw: GatewayProcess;
  let t: TestApp;
  let api: string;
  let db: Client;
  const hops: Hop[] = [];

  beforeAll(async () => {
    sim = await startGithubSim({
      preset: 'small',
      seed: 11,
      oauthApps: [GH_APP],
      sizes: { reposPerOwner: 110, commitsPerRepo: 3, pullsPerRepo: 1, issuesPerRepo: 0 },
    });
    const port = await freePort();
    api = `http://127.0.0.1:${port}`;
    gw = await startGatewayProcess({
      redirectUri: `${api}${CALLBACK}`,
      otherRedirectUri: `${api}/other-instance/callback`,
      github: { webUrl: sim.url, apiUrl: sim.apiUrl, ...GH_APP },
    });
    t = await createTestApp({
      FRONTEND_URL: api,
      GATEWAY_URL: gw.url,
      GATEWAY_CLIENT_ID: gw.clientId,
      GATEWAY_CLIENT_SECRET: gw.clientSecret,
      JWT_SECRET: randomBytes(48).toString('base64url'),
      TOKEN_ENCRYPTION_KEYS: `v1:${randomBytes(32).toString('base64')}`,
      GITHUB_WEB_URL: sim.url,
      GITHUB_API_URL: sim.apiUrl,
      AUTH_RATE_LIMIT_PER_MINUTE: '10000',
    });
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

  async function signIn(
    login: string,
    returnTo = '/repos',
  ): Promise<{ browser: Browser; done: Hop; callbackUrl: string; loginCookie: string }> {
    const browser = new Browser();
    const start = await browser.request(`${api}/api/v1/auth/login?returnTo=${encodeURIComponent(returnTo)}`);
    const loginCookie = browser.cookie(api, 'trackeep_login')!;
    const done = await browser.navigate(start.location!, { login, stopAtPath: CALLBACK });
    hops.push(start, ...browser.hops);
    return { browser, done, callbackUrl: done.url, loginCookie };
  }

  const call = async (browser: Browser, method: string, path: string, body?: unknown) => {
    const hop = await browser.request(`${api}/api/v1${path}`, {
      method,
      body: body === undefined ? undefined : JSON.stringify(body),
      headers: { 'x-trackeep-csrf': '1', 'content-type': 'application/json' },
    });
    hops.push(hop);
    return { status: hop.status, body: hop.body ? JSON.parse(hop.body) : null };
  };

  it('signs in through the gateway and GitHub consent, and lands on returnTo with a session', async () => {
    const { browser, done } = await signIn('octocat', '/repos?tab=tracked');
    expect(done.status).toBe(303);
    expect(done.location).toBe(`${api}/repos?tab=tracked`);
    expect(browser.cookie(api, 'trackeep_session')).toBeTruthy();
    expect(browser.cookie(api, 'trackeep_login')).toBeUndefined();
    const me = await call(browser, 'GET', '/auth/me');
    const octocat = sim.world.user('octocat')!;
    expect(me).toEqual({
      status: 200,
      body: {
        id: expect.any(String),
        githubHost: new URL(sim.url).host,
        githubId: octocat.id,
        login: 'octocat',
        name: octocat.name,
        email: octocat.email,
        avatarUrl: expect.any(String),
        scopes: expect.arrayContaining(['repo', 'read:user']),
      },
    });
  });

  it('lists every GitHub repository across pages, tracks and untracks one', async () => {
    const { browser } = await signIn('octocat');
    const listed: unknown[] = [];
    let cursor: string | null = null;
    do {
      const page = await call(
        browser,
        'GET',
        cursor ? `/github/repos?cursor=${encodeURIComponent(cursor)}` : '/github/repos',
      );
      expect(page.status).toBe(200);
      listed.push(...page.body.items);
      cursor = page.body.nextCursor;
    } while (cursor);
    const octocat = sim.world.user('octocat')!;
    const expected = [...sim.world.repos.values()].filter(
      (r) => !r.deleted && sim.world.affiliationOf(r, octocat.id),
    ).length;
    expect(expected).toBeGreaterThan(100);
    expect(listed).toHaveLength(expected);

    expect((await call(browser, 'POST', '/repos/octocat/Hello-World/track')).status).toBe(201);
    const tracked = await call(browser, 'GET', '/repos');
    expect(tracked.body.items.map((r: { fullName: string }) => r.fullName)).toEqual(['octocat/Hello-World']);
    expect((await call(browser, 'DELETE', '/repos/octocat/Hello-World/track')).status).toBe(204);
    expect((await call(browser, 'GET', '/repos')).body).toEqual({ items: [], nextCursor: null });
  });

  it("keeps users apart: hubot cannot read octocat's private repository", async () => {
    const owner = (await signIn('octocat')).browser;
    const octocat = sim.world.user('octocat')!;
    const hubot = sim.world.user('hubot')!;
    const priv = [...sim.world.repos.values()].find(
      (r) =>
        r.ownerType === 'User' &&
        r.ownerId === octocat.id &&
        r.private &&
        !r.deleted &&
        sim.world.permissionOf(r, hubot.id) === null,
    )!;
    expect(priv).toBeDefined();
    expect((await call(owner, 'POST', `/repos/octocat/${priv.name}/track`)).status).toBe(201);
    const other = (await signIn('hubot')).browser;
    for (const suffix of ['', '/commits', '/pulls', '/branches', '/stats/history']) {
      const res = await call(other, 'GET', `/repos/octocat/${priv.name}${suffix}`);
      expect(res).toMatchObject({ status: 404, body: { code: 'repo_not_found' } });
    }
    expect((await call(other, 'POST', `/repos/octocat/${priv.name}/track`)).status).toBe(404);
    expect((await call(other, 'DELETE', `/repos/octocat/${priv.name}/track`)).status).toBe(404);
    expect(JSON.stringify((await call(other, 'GET', '/repos')).body)).not.toContain(priv.name);
    expect((await call(owner, 'GET', `/repos/octocat/${priv.name}`)).status).toBe(200);
  });

  it('refuses a replayed callback, with or without the sign-in cookie', async () => {
    const { callbackUrl, loginCookie } = await signIn('octocat');
    const replay = new Browser();
    const noCookie = await replay.request(callbackUrl);
    expect(noCookie.location).toBe(`${api}/?sign_in_error=state_mismatch`);
    replay.setCookie(api, 'trackeep_login', loginCookie);
    const withCookie = await replay.request(callbackUrl);
    expect(withCookie.location).toBe(`${api}/?sign_in_error=code_rejected`); // the gateway redeems a code once
    expect(replay.cookie(api, 'trackeep_session')).toBeUndefined();
  });

  it('never redirects off-site after sign-in', async () => {
    for (const returnTo of ['//evil.example.com/', 'https://evil.example.com/', '/\\evil.example.com']) {
      const { done } = await signIn('octocat', returnTo);
      expect(done.location).toBe(`${api}/`);
    }
  });

  it('rejects a genuine id_token from the same gateway issued to another client (wrong audience)', async () => {
    // Another Trackeep instance registered at the same gateway gets a perfectly signed id_token; replayed at
    // this instance it must fail on the audience alone.
    const other = gw.other!;
    const verifier = randomBytes(32).toString('base64url');
    const nonce = randomBytes(16).toString('base64url');
    const authorize = new URL(`${gw.url}/auth/github`);
    authorize.search = new URLSearchParams({
      response_type: 'code',
      client_id: other.clientId,
      redirect_uri: other.redirectUri,
      state: 'other-state',
      nonce,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    }).toString();
    const done = await new Browser().navigate(authorize.toString(), {
      login: 'octocat',
      stopAtPath: '/other-instance/callback',
    });
    const code = new URL(done.url).searchParams.get('code')!;
    const res = await fetch(`${gw.url}/oauth/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${other.clientId}:${other.clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: other.redirectUri,
        code_verifier: verifier,
      }),
    });
    expect(res.status).toBe(200);
    const { id_token } = (await res.json()) as { id_token: string };
    const verify = t.app.get(GatewayClient).verifyIdToken(id_token, nonce);
    await expect(verify).rejects.toBeInstanceOf(SignInError);
    await expect(verify).rejects.toThrow(/"aud"/);
  });

  it('logs out: the session ends at once and the old cookie is refused', async () => {
    const { browser } = await signIn('octocat');
    const session = browser.cookie(api, 'trackeep_session')!;
    expect((await call(browser, 'POST', '/auth/logout')).status).toBe(204);
    const stale = new Browser();
    stale.setCookie(api, 'trackeep_session', session);
    expect(await call(stale, 'GET', '/auth/me')).toMatchObject({
      status: 401,
      body: { code: 'session_revoked' },
    });
  });

  it('ends an expired session', async () => {
    const { browser } = await signIn('octocat');
    await db.query(`UPDATE sessions SET expires_at = now() - interval '1 second' WHERE revoked_at IS NULL`);
    expect(await call(browser, 'GET', '/auth/me')).toMatchObject({
      status: 401,
      body: { code: 'session_expired' },
    });
  });

  it('refuses a tampered session cookie', async () => {
    const { browser } = await signIn('octocat');
    const session = browser.cookie(api, 'trackeep_session')!;
    const forged = new Browser();
    forged.setCookie(api, 'trackeep_session', `${session.slice(0, -4)}AAAA`);
    expect(await call(forged, 'GET', '/auth/me')).toMatchObject({
      status: 401,
      body: { code: 'session_missing' },
    });
  });

  it('logout with revokeGitHub revokes the grant at GitHub through the gateway', async () => {
    const { browser } = await signIn('monalisa');
    const me = await call(browser, 'GET', '/auth/me');
    const token = (await t.app.get(UsersService).githubToken(me.body.id))!;
    expect((await fetch(`${sim.apiUrl}/user`, { headers: { authorization: `token ${token}` } })).status).toBe(
      200,
    );
    expect((await call(browser, 'POST', '/auth/logout', { revokeGitHub: true })).status).toBe(204);
    expect((await fetch(`${sim.apiUrl}/user`, { headers: { authorization: `token ${token}` } })).status).toBe(
      401,
    );
    const row = await db.query('SELECT github_token_enc FROM users WHERE id = $1', [me.body.id]);
    expect(row.rows[0].github_token_enc).toBeNull();
  });

  it('stores the GitHub token only as ciphertext', async () => {
    const { rows } = await db.query('SELECT github_token_enc FROM users WHERE github_token_enc IS NOT NULL');
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      expect(r.github_token_enc).toMatch(/^v1:/);
      expect(r.github_token_enc).not.toMatch(TOKEN_PATTERN);
    }
  });

  it('never shows a GitHub token in any response, header, cookie or API log line', () => {
    expect(hops.length).toBeGreaterThan(30);
    for (const hop of hops) {
      expect(hop.body).not.toMatch(TOKEN_PATTERN);
      expect(JSON.stringify(hop.headers)).not.toMatch(TOKEN_PATTERN);
      expect(hop.url).not.toMatch(TOKEN_PATTERN);
    }
    expect(t.logs.length).toBeGreaterThan(20);
    for (const line of t.logs) expect(line).not.toMatch(TOKEN_PATTERN);
  });
});
