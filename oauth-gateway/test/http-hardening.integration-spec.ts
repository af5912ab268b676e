import { createTestGateway, type TestGateway } from './support/test-gateway';

const ALLOWED = 'https://dashboard.example.com';
const EVIL = 'https://evil.example';

/** Every route the gateway serves, with the method a browser would preflight for. */
const ENDPOINTS: Array<[string, string]> = [
  ['/auth/github', 'GET'],
  ['/auth/github/callback', 'GET'],
  ['/oauth/token', 'POST'],
  ['/oauth/revoke', 'POST'],
  ['/oauth/github/refresh', 'POST'],
  ['/.well-known/oauth-authorization-server', 'GET'],
  ['/.well-known/openid-configuration', 'GET'],
  ['/.well-known/jwks.json', 'GET'],
  ['/api/v1/user/me', 'GET'],
  ['/healthz', 'GET'],
  ['/readyz', 'GET'],
  ['/metrics', 'GET'],
  ['/no/such/route', 'GET'],
];

const preflight = (url: string, origin: string, method: string) =>
  fetch(url, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': method,
      'access-control-request-headers': 'authorization, content-type',
    },
  });

describe('CORS, security headers and rate limits', () => {
  let t: TestGateway;

  beforeAll(async () => {
    t = await createTestGateway({
      env: { CORS_ALLOWED_ORIGINS: `${ALLOWED},https://other-dashboard.example.com` },
    });
  });
  afterAll(() => t.close());

  describe.each(ENDPOINTS)('%s', (path, method) => {
    it('answers a preflight from an unlisted origin without Access-Control-Allow-Origin', async () => {
      const res = await preflight(`${t.url}${path}`, EVIL, method);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    });

    it('answers a simple request from an unlisted origin without Access-Control-Allow-Origin', async () => {
      const res = await fetch(`${t.url}${path}`, { method, headers: { origin: EVIL }, redirect: 'manual' });
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    });
  });

  it('allows listed origins on metadata, JWKS and the token endpoint only', async () => {
    const allowedOn = new Set([
      '/oauth/token',
      '/.well-known/oauth-authorization-server',
      '/.well-known/openid-configuration',
      '/.well-known/jwks.json',
    ]);
    for (const [path, method] of ENDPOINTS) {
      const res = await preflight(`${t.url}${path}`, ALLOWED, method);
      expect([path, res.headers.get('access-control-allow-origin')]).toEqual([
        path,
        allowedOn.has(path) ? ALLOWED : null,
      ]);
    }
    const metadata = await fetch(`${t.url}/.well-known/jwks.json`, { headers: { origin: ALLOWED } });
    expect(metadata.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(metadata.headers.get('vary')).toMatch(/Origin/);
  });

  it('never answers with a wildcard origin, and does not match an origin by prefix', async () => {
    for (const origin of [
      `${ALLOWED}.evil.example`,
      'https://dashboard.example.co',
      'null',
      `${ALLOWED}:8443`,
      ALLOWED.replace('https', 'http'),
    ]) {
      const res = await preflight(`${t.url}/oauth/token`, origin, 'POST');
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    }
  });

  it('sends helmet security headers, no-referrer and no X-Powered-By', async () => {
    const res = await fetch(`${t.url}/auth/github?client_id=nope`);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  it('publishes RFC 8414 metadata that names its own endpoints and is cacheable', async () => {
    const res = await fetch(`${t.url}/.well-known/oauth-authorization-server`);
    expect(res.headers.get('cache-control')).toBe('public, max-age=300');
    expect(await res.json()).toMatchObject({
      issuer: t.url,
      authorization_endpoint: `${t.url}/auth/github`,
      token_endpoint: `${t.url}/oauth/token`,
      jwks_uri: `${t.url}/.well-known/jwks.json`,
      userinfo_endpoint: `${t.url}/api/v1/user/me`,
      revocation_endpoint: `${t.url}/oauth/revoke`,
      github_refresh_endpoint: `${t.url}/oauth/github/refresh`,
      response_types_supported: ['code'],
      grant_types_supported: ['authorization_code'],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      id_token_signing_alg_values_supported: ['ES256'],
      authorization_response_iss_parameter_supported: true,
    });
  });

  it('publishes only public key material in the JWKS', async () => {
    const res = await fetch(`${t.url}/.well-known/jwks.json`);
    expect(res.headers.get('content-type')).toMatch(/^application\/jwk-set\+json/);
    const { keys } = (await res.json()) as { keys: Array<Record<string, unknown>> };
    expect(keys).toHaveLength(1);
    const [key] = keys;
    expect(Object.keys(key ?? {}).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
  });
});

describe('rate limits', () => {
  let t: TestGateway;

  beforeAll(async () => {
    t = await createTestGateway({ env: { GATEWAY_RATE_LIMIT_PER_MINUTE: '3' } });
  });
  afterAll(() => t.close());

  it.each([
    ['the authorization endpoint', '/auth/github?client_id=instance-a', 'GET'],
    ['the callback', '/auth/github/callback?state=x', 'GET'],
    ['the token endpoint', '/oauth/token', 'POST'],
    ['the revocation endpoint', '/oauth/revoke', 'POST'],
    ['the GitHub token refresh endpoint', '/oauth/github/refresh', 'POST'],
  ])('answers a burst on %s with 429 and Retry-After', async (_name, path, method) => {
    const statuses: number[] = [];
    let last: Response | null = null;
    for (let i = 0; i < 5; i++) {
      last = await fetch(`${t.url}${path}`, {
        method,
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: method === 'POST' ? '' : undefined,
      });
      statuses.push(last.status);
    }
    expect(statuses.slice(0, 3)).not.toContain(429);
    expect(statuses.slice(3)).toEqual([429, 429]);
    expect(Number(last?.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('does not limit discovery, JWKS or health checks', async () => {
    for (let i = 0; i < 6; i++) {
      expect((await fetch(`${t.url}/.well-known/jwks.json`)).status).toBe(200);
      expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    }
  });
});
