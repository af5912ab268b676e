import { Client } from 'pg';
import { openWithCode, pkceChallenge, randomToken, sha256Hex } from '../src/common/crypto.util';
import { createTestGateway, type TestGateway } from './support/test-gateway';

const REGISTERED = 'https://app.example.com/api/v1/auth/oauth/callback';
const enc = encodeURIComponent;

/** Every redirect_uri here must get the error page and no redirect. Raw query values (already encoded). */
const HOSTILE_REDIRECT_URIS: Array<[string, string]> = [
  ['another host', enc('https://evil.com/api/v1/auth/oauth/callback')],
  [
    'a host that extends the registered one (prefix)',
    enc('https://app.example.com.evil.com/api/v1/auth/oauth/callback'),
  ],
  [
    'a host that ends like the registered one (suffix)',
    enc('https://evilapp.example.com/api/v1/auth/oauth/callback'),
  ],
  ['a subdomain of the registered host', enc('https://x.app.example.com/api/v1/auth/oauth/callback')],
  [
    'userinfo: registered host as user name',
    enc('https://app.example.com@evil.com/api/v1/auth/oauth/callback'),
  ],
  [
    'userinfo: registered host and port as credentials',
    enc('https://app.example.com:443@evil.com/api/v1/auth/oauth/callback'),
  ],
  [
    'userinfo in front of the registered host',
    enc('https://evil.com@app.example.com/api/v1/auth/oauth/callback'),
  ],
  ['a different scheme (http)', enc('http://app.example.com/api/v1/auth/oauth/callback')],
  ['an explicit default port', enc('https://app.example.com:443/api/v1/auth/oauth/callback')],
  ['a different port', enc('https://app.example.com:8443/api/v1/auth/oauth/callback')],
  ['a different path', enc('https://app.example.com/api/v1/auth/oauth/callback2')],
  ['a parent path', enc('https://app.example.com/api/v1/auth/oauth/')],
  ['dot segments', enc('https://app.example.com/api/v1/auth/oauth/callback/../../../../evil')],
  ['upper-case host', enc('https://APP.EXAMPLE.COM/api/v1/auth/oauth/callback')],
  ['upper-case path', enc('https://app.example.com/API/v1/auth/oauth/callback')],
  ['a trailing slash', enc(`${REGISTERED}/`)],
  ['an added query', enc(`${REGISTERED}?next=https://evil.com`)],
  ['an empty added query', enc(`${REGISTERED}?`)],
  ['a fragment', enc(`${REGISTERED}#https://evil.com`)],
  ['a backslash authority', enc('https://app.example.com\\@evil.com/api/v1/auth/oauth/callback')],
  ['backslashes as slashes', enc('https:\\\\evil.com\\api\\v1\\auth\\oauth\\callback')],
  ['"/\\" after the host', enc('https://app.example.com/\\evil.com/api/v1/auth/oauth/callback')],
  ['a scheme-relative URL', enc('//evil.com/api/v1/auth/oauth/callback')],
  ['"/\\" scheme-relative', enc('/\\evil.com/api/v1/auth/oauth/callback')],
  ['a double slash in the path', enc('https://app.example.com//evil.com/api/v1/auth/oauth/callback')],
  ['a relative path', enc('/api/v1/auth/oauth/callback')],
  ['encoded tab appended (%09)', `${enc(REGISTERED)}%09`],
  ['encoded line feed appended (%0a)', `${enc(REGISTERED)}%0a`],
  ['encoded carriage return appended (%0d)', `${enc(REGISTERED)}%0d`],
  ['encoded CRLF with a header appended', `${enc(REGISTERED)}%0d%0aLocation:%20https://evil.com`],
  ['leading encoded space', `%20${enc(REGISTERED)}`],
  ['leading encoded tab', `%09${enc(REGISTERED)}`],
  ['a tab inside the scheme', `https%3A%09%2F%2Fapp.example.com%2Fapi%2Fv1%2Fauth%2Foauth%2Fcallback`],
  [
    'double encoding (%252F)',
    enc('https://app.example.com%2F@evil.com/api/v1/auth/oauth/callback').replace(/%25/g, '%2525'),
  ],
  ['the whole URI double encoded', enc(enc(REGISTERED))],
  ['an encoded slash in the path', enc('https://app.example.com/api%2Fv1/auth/oauth/callback')],
  [
    'javascript:',
    enc('javascript:alert(document.cookie)//https://app.example.com/api/v1/auth/oauth/callback'),
  ],
  ['javascript: upper case', enc('JavaScript:alert(1)')],
  ['data:', enc('data:text/html,<script>alert(1)</script>')],
  ['a null byte', `${enc(REGISTERED)}%00`],
  ['the registered URI of another client', enc('https://other.example.org/cb')],
  [
    'the registered URI twice plus an evil one',
    `${enc(REGISTERED)}&redirect_uri=${enc('https://evil.com/cb')}`,
  ],
];

describe('GET /auth/github (authorization endpoint)', () => {
  let t: TestGateway;
  let db: Client;
  const challenge = pkceChallenge(randomToken());

  beforeAll(async () => {
    t = await createTestGateway();
    db = new Client({ connectionString: t.db.url });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await t.close();
  });

  function authorize(params: Record<string, string>, rawTail = ''): Promise<Response> {
    const qs = new URLSearchParams(params).toString();
    return fetch(`${t.url}/auth/github?${qs}${rawTail}`, { redirect: 'manual' });
  }

  const valid = (): Record<string, string> => ({
    response_type: 'code',
    client_id: 'instance-a',
    redirect_uri: REGISTERED,
    state: 'client-state-123',
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });

  async function pendingCount(): Promise<number> {
    const { rows } = await db.query('SELECT count(*)::int AS n FROM pending_authorizations');
    return rows[0].n;
  }

  async function expectErrorPageWithoutRedirect(res: Response): Promise<string> {
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('set-cookie')).toBeNull();
    const body = await res.text();
    expect(body).not.toMatch(/evil|<script>|javascript:/i);
    return body;
  }

  describe.each(HOSTILE_REDIRECT_URIS)('refuses a redirect_uri with %s', (_label, raw) => {
    it('with an error page and no redirect', async () => {
      const before = await pendingCount();
      const { redirect_uri: _omit, ...rest } = valid();
      const res = await authorize(rest, `&redirect_uri=${raw}`);
      await expectErrorPageWithoutRedirect(res);
      expect(await pendingCount()).toBe(before);
    });
  });

  it('accepts the exact registered redirect_uri (the control for the cases above)', async () => {
    const res = await authorize(valid());
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/^http:\/\/127\.0\.0\.1:9\/login\/oauth\/authorize\?/);
  });

  it('shows the error page for an unknown client, even with a plausible redirect_uri', async () => {
    const body = await expectErrorPageWithoutRedirect(
      await authorize({ ...valid(), client_id: 'no-such-client' }),
    );
    expect(body).toContain('not registered');
  });

  it('shows the error page when client_id or redirect_uri is missing or repeated', async () => {
    const { client_id: _c, ...noClient } = valid();
    const { redirect_uri: _r, ...noRedirect } = valid();
    await expectErrorPageWithoutRedirect(await authorize(noClient));
    await expectErrorPageWithoutRedirect(await authorize(noRedirect));
    await expectErrorPageWithoutRedirect(await authorize(valid(), '&client_id=instance-b'));
  });

  function errorRedirect(res: Response): URL {
    expect(res.status).toBe(303);
    const location = new URL(res.headers.get('location') as string);
    expect(`${location.origin}${location.pathname}`).toBe(REGISTERED);
    expect(location.searchParams.get('iss')).toBe(t.url);
    expect(location.searchParams.get('code')).toBeNull();
    expect(res.headers.get('set-cookie')).toBeNull();
    return location;
  }

  it('rejects a missing state with invalid_request sent to the registered redirect_uri', async () => {
    const { state: _s, ...params } = valid();
    const location = errorRedirect(await authorize(params));
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('error_description')).toMatch(/state/);
    expect(location.searchParams.has('state')).toBe(false);
  });

  it('rejects a request without PKCE', async () => {
    const { code_challenge: _c, code_challenge_method: _m, ...params } = valid();
    const location = errorRedirect(await authorize(params));
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('error_description')).toMatch(/PKCE/);
    expect(location.searchParams.get('state')).toBe('client-state-123');
  });

  it('rejects a code_challenge without code_challenge_method (which would mean plain)', async () => {
    const { code_challenge_method: _m, ...params } = valid();
    expect(errorRedirect(await authorize(params)).searchParams.get('error')).toBe('invalid_request');
  });

  it('rejects code_challenge_method=plain', async () => {
    const location = errorRedirect(
      await authorize({ ...valid(), code_challenge_method: 'plain', code_challenge: 'a'.repeat(43) }),
    );
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('error_description')).toMatch(/S256/);
  });

  it('rejects a code_challenge that is not a base64url SHA-256', async () => {
    expect(
      errorRedirect(await authorize({ ...valid(), code_challenge: 'short' })).searchParams.get('error'),
    ).toBe('invalid_request');
  });

  it('rejects response_type=token (no implicit flow)', async () => {
    const location = errorRedirect(await authorize({ ...valid(), response_type: 'token' }));
    expect(location.searchParams.get('error')).toBe('unsupported_response_type');
    expect(location.searchParams.get('state')).toBe('client-state-123');
  });

  it('rejects response_type=code token and a missing response_type', async () => {
    expect(
      errorRedirect(await authorize({ ...valid(), response_type: 'code token' })).searchParams.get('error'),
    ).toBe('unsupported_response_type');
    const { response_type: _r, ...params } = valid();
    expect(errorRedirect(await authorize(params)).searchParams.get('error')).toBe('invalid_request');
  });

  it('rejects a repeated state or PKCE parameter', async () => {
    expect(
      errorRedirect(await authorize(valid(), '&code_challenge_method=plain')).searchParams.get('error'),
    ).toBe('invalid_request');
    expect(errorRedirect(await authorize(valid(), '&state=other')).searchParams.get('error')).toBe(
      'invalid_request',
    );
  });

  it('rejects scopes it does not offer with invalid_scope', async () => {
    expect(
      errorRedirect(await authorize({ ...valid(), scope: 'openid repo' })).searchParams.get('error'),
    ).toBe('invalid_scope');
  });

  it('keeps a registered query string and appends the error parameters to it', async () => {
    const local = new URLSearchParams({
      ...valid(),
      redirect_uri: 'http://localhost:3000/api/v1/auth/oauth/callback',
      response_type: 'token',
    });
    const res = await fetch(`${t.url}/auth/github?${local}`, { redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(
      /^http:\/\/localhost:3000\/api\/v1\/auth\/oauth\/callback\?error=unsupported_response_type&/,
    );
  });

  describe('a valid request', () => {
    let res: Response;
    let github: URL;

    beforeAll(async () => {
      res = await authorize({ ...valid(), nonce: 'n-0S6_WzA2Mj', scope: 'openid email' });
      github = new URL(res.headers.get('location') as string);
    });

    it('redirects (303) to GitHub with the gateway app, its callback, its own state and S256 PKCE', () => {
      expect(res.status).toBe(303);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(github.pathname).toBe('/login/oauth/authorize');
      expect(github.searchParams.get('client_id')).toBe('gh-test-app');
      expect(github.searchParams.get('redirect_uri')).toBe(`${t.url}/auth/github/callback`);
      expect(github.searchParams.get('scope')).toBe('read:user user:email repo');
      expect(github.searchParams.get('code_challenge_method')).toBe('S256');
      expect(github.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(github.searchParams.get('code_challenge')).not.toBe(challenge);
      const state = github.searchParams.get('state') as string;
      expect(state).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(state).not.toContain('client-state-123');
    });

    it('binds the sign-in to the browser with an HttpOnly, SameSite=Lax, short-lived cookie', () => {
      const cookie = res.headers.get('set-cookie') as string;
      expect(cookie).toMatch(/^gw_signin=[A-Za-z0-9_-]{43};/);
      expect(cookie).toMatch(/HttpOnly/i);
      expect(cookie).toMatch(/SameSite=Lax/i);
      expect(cookie).toMatch(/Path=\//);
      expect(cookie).toMatch(/Max-Age=600/);
    });

    it('stores the pending sign-in under hashes only, never the state or cookie themselves', async () => {
      const state = github.searchParams.get('state') as string;
      const cookieValue = /^gw_signin=([^;]+)/.exec(res.headers.get('set-cookie') as string)?.[1] as string;
      const { rows } = await db.query('SELECT * FROM pending_authorizations WHERE state_hash = $1', [
        sha256Hex(state),
      ]);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        browser_binding_hash: sha256Hex(cookieValue),
        client_id: 'instance-a',
        redirect_uri: REGISTERED,
        client_state: 'client-state-123',
        code_challenge: challenge,
        nonce: 'n-0S6_WzA2Mj',
        scope: 'openid email',
        consumed_at: null,
      });
      // The PKCE verifier for GitHub opens only with the browser's cookie, and matches the challenge sent.
      const verifier = openWithCode(rows[0].pkce_verifier_sealed, cookieValue);
      expect(pkceChallenge(verifier)).toBe(github.searchParams.get('code_challenge'));
      const stored = JSON.stringify(rows[0]);
      expect(stored).not.toContain(state);
      expect(stored).not.toContain(cookieValue);
      expect(stored).not.toContain(verifier);
      const ttl = (new Date(rows[0].expires_at).getTime() - new Date(rows[0].created_at).getTime()) / 1000;
      expect(ttl).toBeCloseTo(600, 0);
    });
  });

  it('asks GitHub for read:org when the client restricts sign-in to orgs or teams', async () => {
    const org = await createTestGateway({
      clients: [{ client_id: 'org-instance', redirect_uris: [REGISTERED], allowed_teams: ['acme/core'] }],
    });
    try {
      const res = await fetch(
        `${org.url}/auth/github?${new URLSearchParams({ ...valid(), client_id: 'org-instance' })}`,
        { redirect: 'manual' },
      );
      expect(new URL(res.headers.get('location') as string).searchParams.get('scope')).toBe(
        'read:user user:email repo read:org',
      );
    } finally {
      await org.close();
    }
  });
});
