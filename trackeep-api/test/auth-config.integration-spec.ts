import { EnvValidationError, parseEnv } from '@trackeep/server-core';
import { randomBytes } from 'node:crypto';
import { AuthSettings } from '../src/auth/auth-settings';
import { GithubSettings } from '../src/github/github-settings';
import { ApiEnv } from '../src/config/api-env';
import { cookie, setCookies } from './support/cookies';
import { startAuthHarness, withSession, type AuthHarness } from './support/auth-harness';

const DB = { DATABASE_URL: 'postgres://localhost/trackeep' };

function problems(env: Record<string, string>): string[] {
  try {
    parseEnv(ApiEnv, env);
    return [];
  } catch (err) {
    if (err instanceof EnvValidationError) return err.problems;
    throw err;
  }
}

describe('sign-in configuration', () => {
  it('in production mode requires the gateway client, JWT secret and token keys, saying what to set', () => {
    const found = problems({ ...DB, TRACKEEP_MODE: 'production', NODE_ENV: 'production' });
    for (const name of [
      'GATEWAY_URL',
      'GATEWAY_CLIENT_ID',
      'GATEWAY_CLIENT_SECRET',
      'JWT_SECRET',
      'TOKEN_ENCRYPTION_KEYS',
      'METRICS_TOKEN',
    ]) {
      expect(found).toContainEqual(
        expect.stringMatching(
          new RegExp(`^${name}: expected .*required in production mode.*found nothing \\(unset\\)$`),
        ),
      );
    }
  });

  it('accepts a complete production configuration and derives https cookie settings', () => {
    const env = parseEnv(ApiEnv, {
      ...DB,
      TRACKEEP_MODE: 'production',
      NODE_ENV: 'production',
      FRONTEND_URL: 'https://trackeep.example.com',
      GATEWAY_URL: 'https://auth.example.com/',
      GATEWAY_CLIENT_ID: 'trackeep-prod',
      GATEWAY_CLIENT_SECRET: randomBytes(32).toString('base64url'),
      JWT_SECRET: randomBytes(48).toString('base64url'),
      TOKEN_ENCRYPTION_KEYS: `v1:${randomBytes(32).toString('base64')},v2:${randomBytes(32).toString('base64')}`,
      METRICS_TOKEN: randomBytes(24).toString('hex'),
      GITHUB_WEB_URL: 'https://ghe.example.com',
      GITHUB_API_URL: 'https://ghe.example.com/api/v3',
      CORS_ALLOWED_ORIGINS: 'https://admin.example.com, https://other.example.com',
    });
    const settings = new AuthSettings(env);
    expect(settings.generated).toEqual([]);
    expect(settings.sessionCookie).toBe('__Host-trackeep_session');
    expect(settings.secureCookies).toBe(true);
    expect(settings.gateway).toEqual({
      issuer: 'https://auth.example.com',
      clientId: 'trackeep-prod',
      clientSecret: expect.any(String),
      redirectUri: 'https://trackeep.example.com/api/v1/auth/oauth/callback',
    });
    const github = new GithubSettings(env);
    expect(github.graphqlUrl).toBe('https://ghe.example.com/api/graphql');
    expect(github.host).toBe('ghe.example.com');
    expect(settings.currentTokenKey.version).toBe('v2');
    expect([...settings.allowedOrigins]).toEqual([
      'https://trackeep.example.com',
      'https://admin.example.com',
      'https://other.example.com',
    ]);
  });

  it('rejects malformed token keys without printing them', () => {
    const secret = randomBytes(16).toString('base64');
    const [line] = problems({ ...DB, TRACKEEP_MODE: 'demo', TOKEN_ENCRYPTION_KEYS: `v1:${secret}` });
    expect(line).toMatch(
      /^TOKEN_ENCRYPTION_KEYS: expected comma-separated <version>:<base64 of 32 random bytes>.*hidden\)$/,
    );
    expect(line).not.toContain(secret);
  });

  it('leaves /metrics open in demo mode when METRICS_TOKEN is unset', () => {
    expect(parseEnv(ApiEnv, { ...DB, TRACKEEP_MODE: 'demo' }).METRICS_TOKEN).toBeUndefined();
  });

  it('outside production mode generates a missing JWT secret and token key for the process, and says so', () => {
    const env = parseEnv(ApiEnv, { ...DB, TRACKEEP_MODE: 'demo' });
    const settings = new AuthSettings(env);
    expect(settings.generated).toEqual(['JWT_SECRET', 'TOKEN_ENCRYPTION_KEYS']);
    expect(settings.jwtSecret.length).toBeGreaterThanOrEqual(32);
    expect(settings.gateway).toBeNull();
    expect(settings.sessionCookie).toBe('trackeep_session');
  });
});

describe('sign-in over https (production cookie settings)', () => {
  let h: AuthHarness;
  beforeAll(async () => {
    h = await startAuthHarness({
      env: { FRONTEND_URL: 'https://trackeep.example.com', AUTH_RATE_LIMIT_PER_MINUTE: '10000' },
    });
  });
  afterAll(() => h.close());

  it('uses a __Host- Secure session cookie and the https redirect_uri', async () => {
    h.gateway.nextLogin = 'octocat';
    const start = await h.http().get('/api/v1/auth/login').expect(303);
    expect(new URL(start.headers['location'] as string).searchParams.get('redirect_uri')).toBe(
      'https://trackeep.example.com/api/v1/auth/oauth/callback',
    );
    const login = setCookies(start).get('__Host-trackeep_login')!;
    expect(login.attributes).toEqual(
      expect.arrayContaining(['Secure', 'HttpOnly', 'SameSite=Lax', 'Path=/']),
    );
    const back = new URL(
      (await fetch(start.headers['location'] as string, { redirect: 'manual' })).headers.get('location')!,
    );
    const done = await h
      .http()
      .get(`${back.pathname}${back.search}`)
      .set('Cookie', cookie('__Host-trackeep_login', login.value))
      .expect(303);
    const session = setCookies(done).get('__Host-trackeep_session')!;
    expect(session.attributes).toEqual(
      expect.arrayContaining(['Secure', 'HttpOnly', 'SameSite=Lax', 'Path=/']),
    );
    expect(session.attributes.some((a) => a.startsWith('Domain='))).toBe(false);
    await h
      .http()
      .get('/api/v1/auth/me')
      .set('Cookie', cookie('__Host-trackeep_session', session.value))
      .expect(200);
    // The plain-http cookie name means nothing here.
    await h.http().get('/api/v1/auth/me').set('Cookie', withSession(session.value)).expect(401);
  });
});

describe('rate limits on the sign-in routes', () => {
  let h: AuthHarness;
  beforeAll(async () => {
    h = await startAuthHarness({ env: { AUTH_RATE_LIMIT_PER_MINUTE: '3' } });
  });
  afterAll(() => h.close());

  it('answers 429 rate_limited after the configured number of sign-in requests per minute', async () => {
    for (let i = 0; i < 3; i++) await h.http().get('/api/v1/auth/login').expect(303);
    const res = await h.http().get('/api/v1/auth/login').expect(429);
    expect(res.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests', code: 'rate_limited' });
    expect(res.headers['retry-after']).toBeDefined();
  });

  it('does not throttle /auth/me, which the dashboard calls on every load, but does throttle the callback', async () => {
    const first = await startAuthHarness({ env: { AUTH_RATE_LIMIT_PER_MINUTE: '2' } });
    try {
      const { session } = await first.signIn('octocat');
      for (let i = 0; i < 5; i++)
        await first.http().get('/api/v1/auth/me').set('Cookie', withSession(session)).expect(200);
      // The callback has its own budget per client: signIn used one, one more is allowed, then 429.
      await first.http().get('/api/v1/auth/oauth/callback?code=x&state=y').expect(303);
      await first.http().get('/api/v1/auth/oauth/callback?code=x&state=y').expect(429);
    } finally {
      await first.close();
    }
  });
});
