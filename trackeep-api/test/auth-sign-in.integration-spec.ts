import { SignJWT } from 'jose';
import { Client } from 'pg';
import { cookie, setCookies } from './support/cookies';
import {
  CSRF,
  LOGIN_COOKIE,
  SESSION_COOKIE,
  startAuthHarness,
  withSession,
  type AuthHarness,
} from './support/auth-harness';

const TOKEN_PATTERN = /gh[opsu]_[A-Za-z0-9]{20,}/;

describe('sign-in through the gateway (fake gateway, real API and Postgres, GitHub simulator)', () => {
  let h: AuthHarness;
  let db: Client;

  beforeAll(async () => {
    h = await startAuthHarness();
    db = new Client({ connectionString: h.t.db.url });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await h.close();
  });

  const userCount = async () => Number((await db.query('SELECT count(*) FROM users')).rows[0].count);

  /** Starts a sign-in and stops at the gateway's redirect back, so tests can tamper with the callback. */
  async function startSignIn(login = 'octocat', returnTo?: string) {
    h.gateway.nextLogin = login;
    const start = await h
      .http()
      .get('/api/v1/auth/login')
      .query(returnTo === undefined ? {} : { returnTo })
      .expect(303);
    const loginCookie = setCookies(start).get(LOGIN_COOKIE)!.value;
    const atGateway = await fetch(start.headers['location'] as string, { redirect: 'manual' });
    const back = new URL(atGateway.headers.get('location')!);
    return { start, loginCookie, back, callbackPath: `${back.pathname}${back.search}` };
  }

  async function finish(callbackPath: string, loginCookie?: string) {
    const req = h.http().get(callbackPath);
    if (loginCookie) req.set('Cookie', cookie(LOGIN_COOKIE, loginCookie));
    return req.expect(303);
  }

  describe('GET /auth/login', () => {
    it('redirects (303) to the gateway authorization endpoint with PKCE S256, state, nonce and our redirect_uri', async () => {
      const { start } = await startSignIn();
      const target = new URL(start.headers['location'] as string);
      expect(`${target.origin}${target.pathname}`).toBe(`${h.gateway.url}/auth/github`);
      const q = target.searchParams;
      expect(q.get('response_type')).toBe('code');
      expect(q.get('client_id')).toBe('trackeep-test');
      expect(q.get('redirect_uri')).toBe('http://localhost:3000/api/v1/auth/oauth/callback');
      expect(q.get('code_challenge_method')).toBe('S256');
      expect(q.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(q.get('state')!.length).toBeGreaterThanOrEqual(43);
      expect(q.get('nonce')!.length).toBeGreaterThanOrEqual(43);
      expect(start.headers['location']).not.toContain('code_verifier');
    });

    it('keeps the sign-in in a short-lived HttpOnly SameSite=Lax cookie', async () => {
      const { start } = await startSignIn();
      const c = setCookies(start).get(LOGIN_COOKIE)!;
      expect(c.attributes).toEqual(expect.arrayContaining(['HttpOnly', 'SameSite=Lax', 'Path=/']));
      const maxAge = Number(c.attributes.find((a) => a.startsWith('Max-Age='))!.split('=')[1]);
      expect(maxAge).toBeGreaterThan(0);
      expect(maxAge).toBeLessThanOrEqual(600);
    });

    it('encrypts the sign-in cookie: neither the PKCE verifier nor the nonce or state can be read from it', async () => {
      const { start, loginCookie } = await startSignIn('octocat', '/repos/secret-return');
      const q = new URL(start.headers['location'] as string).searchParams;
      // A JWE (direct AES-256-GCM): five parts, and no part decodes to anything the sign-in used.
      const parts = loginCookie.split('.');
      expect(parts).toHaveLength(5);
      expect(JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8'))).toEqual({
        alg: 'dir',
        enc: 'A256GCM',
      });
      const readable = [
        loginCookie,
        ...parts.map((p) => Buffer.from(p, 'base64url').toString('latin1')),
      ].join('\n');
      for (const secret of [q.get('nonce')!, q.get('state')!, 'verifier', 'nonce', '/repos/secret-return'])
        expect(readable).not.toContain(secret);
    });

    it('rejects an over-long returnTo with 400 naming the field', async () => {
      const res = await h
        .http()
        .get('/api/v1/auth/login')
        .query({ returnTo: `/${'a'.repeat(3000)}` })
        .expect(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request', code: 'validation_failed' });
      expect(JSON.stringify(res.body.message)).toContain('returnTo');
    });
  });

  describe('GET /auth/oauth/callback', () => {
    it('creates a session and redirects to returnTo; the session cookie is HttpOnly and SameSite=Lax', async () => {
      const { callbackPath, loginCookie } = await startSignIn('octocat', '/repos/octocat?tab=pulls');
      const done = await finish(callbackPath, loginCookie);
      expect(done.headers['location']).toBe('/repos/octocat?tab=pulls');
      const session = setCookies(done).get(SESSION_COOKIE)!;
      expect(session.attributes).toEqual(expect.arrayContaining(['HttpOnly', 'SameSite=Lax', 'Path=/']));
      expect(session.attributes).not.toContain('Secure'); // http origin in tests; production uses __Host- + Secure
      expect(setCookies(done).get(LOGIN_COOKIE)!.value).toBe(''); // single use

      const me = await h.http().get('/api/v1/auth/me').set('Cookie', withSession(session.value)).expect(200);
      const octocat = h.sim.world.user('octocat')!;
      expect(me.body).toEqual({
        id: expect.any(String),
        githubHost: new URL(h.sim.url).host,
        githubId: octocat.id,
        login: 'octocat',
        name: octocat.name,
        email: octocat.email,
        avatarUrl: `https://avatars.example/${octocat.id}`,
        scopes: ['read:user', 'repo', 'user:email'],
      });
      expect(JSON.stringify(me.body)).not.toMatch(TOKEN_PATTERN);
    });

    it.each([
      ['a protocol-relative URL', '//evil.example.com/x'],
      ['an absolute URL', 'https://evil.example.com/'],
      ['a backslash trick', '/\\evil.example.com'],
      ['a javascript: URL', 'javascript:alert(1)'],
      ['a header-splitting attempt', '/ok\r\nLocation: https://evil.example.com'],
      ['a relative path without a slash', 'evil.example.com'],
    ])('ignores %s in returnTo and redirects to /', async (_label, returnTo) => {
      const { callbackPath, loginCookie } = await startSignIn('octocat', returnTo);
      const done = await finish(callbackPath, loginCookie);
      expect(done.headers['location']).toBe('/');
      expect(setCookies(done).get(SESSION_COOKIE)?.value).toBeTruthy();
    });

    it('refuses a replayed callback: no second session', async () => {
      const { callbackPath, loginCookie } = await startSignIn();
      await finish(callbackPath, loginCookie);
      const replay = await finish(callbackPath, loginCookie);
      expect(replay.headers['location']).toBe('/?sign_in_error=code_rejected');
      expect(setCookies(replay).get(SESSION_COOKIE)).toBeUndefined();
    });

    it('refuses a callback whose state differs from the browser cookie, without redeeming the code', async () => {
      const { back, loginCookie } = await startSignIn();
      const before = h.gateway.tokenRequests;
      back.searchParams.set('state', 'attacker-state');
      const done = await finish(`${back.pathname}${back.search}`, loginCookie);
      expect(done.headers['location']).toBe('/?sign_in_error=state_mismatch');
      expect(setCookies(done).get(SESSION_COOKIE)).toBeUndefined();
      expect(h.gateway.tokenRequests).toBe(before);
    });

    it('refuses a tampered sign-in cookie with the clear state_mismatch answer, without redeeming the code', async () => {
      const { callbackPath, loginCookie } = await startSignIn();
      const before = h.gateway.tokenRequests;
      const parts = loginCookie.split('.');
      const ciphertext = Buffer.from(parts[3]!, 'base64url');
      ciphertext[0] = ciphertext[0]! ^ 1;
      parts[3] = ciphertext.toString('base64url');
      for (const forged of [parts.join('.'), loginCookie.slice(0, -2), 'not-a-cookie']) {
        const done = await finish(callbackPath, forged);
        expect(done.headers['location']).toBe('/?sign_in_error=state_mismatch');
        expect(setCookies(done).get(SESSION_COOKIE)).toBeUndefined();
      }
      expect(h.gateway.tokenRequests).toBe(before);
    });

    it('refuses a sign-in cookie that is only signed with JWT_SECRET (the old, readable format)', async () => {
      const { callbackPath, back } = await startSignIn();
      const signed = await new SignJWT({
        state: back.searchParams.get('state')!,
        nonce: 'n',
        verifier: 'v',
        returnTo: '/',
      })
        .setProtectedHeader({ alg: 'HS256' })
        .setAudience('trackeep-login')
        .setExpirationTime('5m')
        .sign(new TextEncoder().encode(h.t.env.JWT_SECRET ?? ''));
      const done = await finish(callbackPath, signed);
      expect(done.headers['location']).toBe('/?sign_in_error=state_mismatch');
    });

    it('refuses a callback in a browser that never started the sign-in (login CSRF)', async () => {
      const { callbackPath } = await startSignIn();
      const done = await finish(callbackPath);
      expect(done.headers['location']).toBe('/?sign_in_error=state_mismatch');
      expect(setCookies(done).get(SESSION_COOKIE)).toBeUndefined();
    });

    it('refuses an iss parameter naming another issuer (mix-up defence)', async () => {
      const { back, loginCookie } = await startSignIn();
      back.searchParams.set('iss', 'https://evil.example.com');
      const done = await finish(`${back.pathname}${back.search}`, loginCookie);
      expect(done.headers['location']).toBe('/?sign_in_error=issuer_mismatch');
    });

    it('reports a denied authorization without creating anything', async () => {
      const { back, loginCookie } = await startSignIn();
      const denied = new URLSearchParams({ error: 'access_denied', state: back.searchParams.get('state')! });
      const done = await finish(`${back.pathname}?${denied}`, loginCookie);
      expect(done.headers['location']).toBe('/?sign_in_error=access_denied');
      expect(setCookies(done).get(SESSION_COOKIE)).toBeUndefined();
    });

    it.each([
      ['another audience', { claims: { aud: 'some-other-instance' } }],
      ['another issuer', { claims: { iss: 'https://evil.example.com' } }],
      ['a nonce from another sign-in', { claims: { nonce: 'not-the-nonce' } }],
      ['no nonce', { omit: ['nonce'] }],
      [
        'an expired token',
        { claims: { iat: Math.floor(Date.now() / 1000) - 7200, exp: Math.floor(Date.now() / 1000) - 3600 } },
      ],
      ['a signature by a key not in the JWKS', { signWith: 'foreign-key' as const }],
      ['an HS256 signature (algorithm confusion)', { signWith: 'hs256' as const }],
      ['a sub that does not match github_host|github_id', { claims: { sub: 'github.com|1' } }],
      ['a non-numeric github_id', { claims: { github_id: '583231' } }],
    ])('refuses an id_token with %s and creates no user', async (_label, defect) => {
      const users = await userCount();
      const { callbackPath, loginCookie } = await startSignIn('hubot');
      h.gateway.nextIdTokenDefect = defect;
      const done = await finish(callbackPath, loginCookie);
      expect(done.headers['location']).toBe('/?sign_in_error=id_token_invalid');
      expect(setCookies(done).get(SESSION_COOKIE)).toBeUndefined();
      expect(await userCount()).toBe(users);
    });

    it('refuses an identity from another GitHub host than the one the API talks to', async () => {
      const { callbackPath, loginCookie } = await startSignIn('hubot');
      h.gateway.nextIdTokenDefect = {
        claims: { github_host: 'github.com', sub: `github.com|${h.sim.world.user('hubot')!.id}` },
      };
      const done = await finish(callbackPath, loginCookie);
      expect(done.headers['location']).toBe('/?sign_in_error=github_mismatch');
      expect(h.t.logs.some((l) => l.includes('GITHUB_WEB_URL names'))).toBe(true);
    });

    it('keys users by GitHub host + numeric id: a renamed login updates the same user', async () => {
      const first = await h.signIn('monalisa');
      const me1 = await h.http().get('/api/v1/auth/me').set('Cookie', withSession(first.session)).expect(200);
      await db.query(`UPDATE users SET login = 'old-name' WHERE id = $1`, [me1.body.id]);
      const second = await h.signIn('monalisa');
      const me2 = await h
        .http()
        .get('/api/v1/auth/me')
        .set('Cookie', withSession(second.session))
        .expect(200);
      expect(me2.body.id).toBe(me1.body.id);
      expect(me2.body.login).toBe('monalisa');
    });

    it('replaces a session the browser already had (no session fixation)', async () => {
      const planted = await h.signIn('octocat');
      const fresh = await h.signIn('octocat', { previousSession: planted.session });
      expect(fresh.session).not.toBe(planted.session);
      const old = await h
        .http()
        .get('/api/v1/auth/me')
        .set('Cookie', withSession(planted.session))
        .expect(401);
      expect(old.body.code).toBe('session_revoked');
      await h.http().get('/api/v1/auth/me').set('Cookie', withSession(fresh.session)).expect(200);
    });
  });

  describe('sessions', () => {
    it('answers 401 session_missing in the standard error body without a cookie', async () => {
      const res = await h.http().get('/api/v1/auth/me').expect(401);
      expect(res.body).toEqual({
        statusCode: 401,
        error: 'Unauthorized',
        message: 'Sign in first',
        code: 'session_missing',
      });
    });

    it('rejects a tampered cookie and clears it', async () => {
      const { session } = await h.signIn('octocat');
      const [header, payload, signature] = session.split('.') as [string, string, string];
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
      const forged = [
        header,
        Buffer.from(JSON.stringify({ ...claims, sub: '00000000-0000-0000-0000-000000000000' })).toString(
          'base64url',
        ),
        signature,
      ].join('.');
      const res = await h.http().get('/api/v1/auth/me').set('Cookie', withSession(forged)).expect(401);
      expect(res.body.code).toBe('session_missing');
      expect(setCookies(res).get(SESSION_COOKIE)?.value).toBe('');
    });

    it('rejects a cookie signed with another secret', async () => {
      const { session } = await h.signIn('octocat');
      const claims = JSON.parse(Buffer.from(session.split('.')[1]!, 'base64url').toString());
      const forged = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256' })
        .sign(new TextEncoder().encode('x'.repeat(64)));
      const res = await h.http().get('/api/v1/auth/me').set('Cookie', withSession(forged)).expect(401);
      expect(res.body.code).toBe('session_missing');
    });

    it('rejects an expired session JWT with session_expired', async () => {
      const { session } = await h.signIn('octocat');
      const claims = JSON.parse(Buffer.from(session.split('.')[1]!, 'base64url').toString());
      const now = Math.floor(Date.now() / 1000);
      const expired = await new SignJWT({ ...claims, iat: now - 8 * 86400, exp: now - 86400 })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .sign(new TextEncoder().encode(h.t.env.JWT_SECRET!));
      const res = await h.http().get('/api/v1/auth/me').set('Cookie', withSession(expired)).expect(401);
      expect(res.body.code).toBe('session_expired');
    });

    it('ends a session at once when its row expires or is revoked server-side', async () => {
      const a = await h.signIn('octocat');
      const b = await h.signIn('octocat');
      const sid = (s: string) =>
        JSON.parse(Buffer.from(s.split('.')[1]!, 'base64url').toString()).sid as string;
      await db.query(`UPDATE sessions SET expires_at = now() - interval '1 second' WHERE id = $1`, [
        sid(a.session),
      ]);
      await db.query(`UPDATE sessions SET revoked_at = now() WHERE id = $1`, [sid(b.session)]);
      expect(
        (await h.http().get('/api/v1/auth/me').set('Cookie', withSession(a.session)).expect(401)).body.code,
      ).toBe('session_expired');
      expect(
        (await h.http().get('/api/v1/auth/me').set('Cookie', withSession(b.session)).expect(401)).body.code,
      ).toBe('session_revoked');
    });

    it('issues 7-day sessions', async () => {
      const { session } = await h.signIn('octocat');
      const claims = JSON.parse(Buffer.from(session.split('.')[1]!, 'base64url').toString());
      expect(claims.exp - claims.iat).toBe(7 * 24 * 3600);
    });
  });

  describe('POST /auth/logout and CSRF', () => {
    it('ends the session and clears the cookie; the old cookie no longer works', async () => {
      const { session } = await h.signIn('octocat');
      const res = await h
        .http()
        .post('/api/v1/auth/logout')
        .set('Cookie', withSession(session))
        .set(CSRF)
        .expect(204);
      expect(setCookies(res).get(SESSION_COOKIE)?.value).toBe('');
      const after = await h.http().get('/api/v1/auth/me').set('Cookie', withSession(session)).expect(401);
      expect(after.body.code).toBe('session_revoked');
    });

    it('refuses a state-changing request without the X-Trackeep-CSRF header (403 csrf_rejected)', async () => {
      const { session } = await h.signIn('octocat');
      const res = await h.http().post('/api/v1/auth/logout').set('Cookie', withSession(session)).expect(403);
      expect(res.body).toMatchObject({ statusCode: 403, code: 'csrf_rejected' });
      await h.http().get('/api/v1/auth/me').set('Cookie', withSession(session)).expect(200);
    });

    it('refuses a state-changing request from a foreign Origin even with the header', async () => {
      const { session } = await h.signIn('octocat');
      const res = await h
        .http()
        .post('/api/v1/auth/logout')
        .set('Cookie', withSession(session))
        .set(CSRF)
        .set('Origin', 'https://evil.example.com')
        .expect(403);
      expect(res.body.code).toBe('csrf_rejected');
      await h
        .http()
        .post('/api/v1/auth/logout')
        .set('Cookie', withSession(session))
        .set(CSRF)
        .set('Origin', 'http://localhost:3000')
        .expect(204);
    });

    it('with revokeGitHub asks the gateway to revoke the grant and forgets the stored token', async () => {
      const { session } = await h.signIn('hubot');
      const me = await h.http().get('/api/v1/auth/me').set('Cookie', withSession(session)).expect(200);
      const before = h.gateway.revocations.length;
      await h
        .http()
        .post('/api/v1/auth/logout')
        .set('Cookie', withSession(session))
        .set(CSRF)
        .send({ revokeGitHub: true })
        .expect(204);
      expect(h.gateway.revocations.slice(before)).toEqual([
        { token: expect.stringMatching(/^gho_/), hint: 'github_access_token' },
      ]);
      const row = (
        await db.query('SELECT github_token_enc, reauth_required FROM users WHERE id = $1', [me.body.id])
      ).rows[0];
      expect(row).toEqual({ github_token_enc: null, reauth_required: true });
    });

    it('rejects an unknown logout body field with 400 naming it', async () => {
      const { session } = await h.signIn('octocat');
      const res = await h
        .http()
        .post('/api/v1/auth/logout')
        .set('Cookie', withSession(session))
        .set(CSRF)
        .send({ revoke: true })
        .expect(400);
      expect(res.body.message).toEqual(['property revoke should not exist']);
    });

    it('answers 400 (not 500) to a malformed JSON body', async () => {
      const { session } = await h.signIn('octocat');
      const res = await h
        .http()
        .post('/api/v1/auth/logout')
        .set('Cookie', withSession(session))
        .set(CSRF)
        .set('Content-Type', 'application/json')
        .send('{"revokeGitHub":')
        .expect(400);
      expect(res.body).toMatchObject({
        statusCode: 400,
        error: 'Bad Request',
        code: 'validation_failed',
        message: expect.stringMatching(/JSON/),
      });
    });
  });

  describe('CORS', () => {
    it('allows the configured origin with credentials and the CSRF header', async () => {
      const res = await h
        .http()
        .options('/api/v1/auth/logout')
        .set('Origin', 'http://localhost:3000')
        .set('Access-Control-Request-Method', 'POST')
        .set('Access-Control-Request-Headers', 'x-trackeep-csrf,content-type');
      expect(res.headers['access-control-allow-origin']).toBe('http://localhost:3000');
      expect(res.headers['access-control-allow-credentials']).toBe('true');
      expect(res.headers['access-control-allow-headers']).toMatch(/X-Trackeep-CSRF/i);
    });

    it('gives other origins no CORS headers', async () => {
      const res = await h
        .http()
        .options('/api/v1/auth/logout')
        .set('Origin', 'https://evil.example.com')
        .set('Access-Control-Request-Method', 'POST');
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    });
  });

  describe('GitHub token at rest', () => {
    it('is stored only as versioned AES-GCM ciphertext', async () => {
      const { session } = await h.signIn('octocat');
      const me = await h.http().get('/api/v1/auth/me').set('Cookie', withSession(session)).expect(200);
      const { rows } = await db.query('SELECT * FROM users WHERE id = $1', [me.body.id]);
      const stored = rows[0].github_token_enc as string;
      expect(stored).toMatch(/^v1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
      expect(JSON.stringify(rows[0])).not.toMatch(TOKEN_PATTERN);
      const dump = await db.query(`SELECT string_agg(t::text, '|') AS all FROM users t`);
      expect(dump.rows[0].all).not.toMatch(TOKEN_PATTERN);
    });

    it("does not work when moved onto another user's row: that user must sign in again", async () => {
      const a = await h.signIn('octocat');
      const b = await h.signIn('monalisa');
      const idA = (await h.http().get('/api/v1/auth/me').set('Cookie', withSession(a.session))).body.id;
      const idB = (await h.http().get('/api/v1/auth/me').set('Cookie', withSession(b.session))).body.id;
      await db.query(
        `UPDATE users SET github_token_enc = (SELECT github_token_enc FROM users WHERE id = $1) WHERE id = $2`,
        [idA, idB],
      );
      const res = await h
        .http()
        .get('/api/v1/github/repos')
        .set('Cookie', withSession(b.session))
        .expect(401);
      expect(res.body.code).toBe('github_reauth_required');
      expect(
        (await db.query('SELECT reauth_required FROM users WHERE id = $1', [idB])).rows[0].reauth_required,
      ).toBe(true);
      // The victim's own row still works.
      await h.http().get('/api/v1/github/repos').set('Cookie', withSession(a.session)).expect(200);
    });
  });

  it('never lets a GitHub token reach a response, a header or a log line', async () => {
    const { session, responses } = await h.signIn('octocat');
    const more = [
      await h.http().get('/api/v1/auth/me').set('Cookie', withSession(session)),
      await h.http().get('/api/v1/github/repos').set('Cookie', withSession(session)),
      await h
        .http()
        .post('/api/v1/repos/octocat/Hello-World/track')
        .set('Cookie', withSession(session))
        .set(CSRF),
      await h.http().get('/api/v1/repos').set('Cookie', withSession(session)),
      await h.http().post('/api/v1/auth/logout').set('Cookie', withSession(session)).set(CSRF),
    ];
    for (const res of [...responses, ...more]) {
      expect(JSON.stringify(res.headers)).not.toMatch(TOKEN_PATTERN);
      expect(res.text ?? '').not.toMatch(TOKEN_PATTERN);
    }
    expect(h.t.logs.length).toBeGreaterThan(10);
    for (const line of h.t.logs) expect(line).not.toMatch(TOKEN_PATTERN);
    // Callback URLs are logged with code and state redacted.
    expect(h.t.logs.some((l) => l.includes('/api/v1/auth/oauth/callback?code=[Redacted]'))).toBe(true);
  });
});
