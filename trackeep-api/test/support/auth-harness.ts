import { startGithubSim, type GithubSimHandle, type GithubSimOptions } from '@trackeep/github-sim';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { cookie, setCookies } from './cookies';
import { startFakeGateway, type FakeGateway } from './fake-gateway';
import { createTestApp, type TestApp } from './test-app';

export const SESSION_COOKIE = 'trackeep_session';
export const LOGIN_COOKIE = 'trackeep_login';
export const CSRF = { 'X-Trackeep-CSRF': '1' };

export interface AuthHarness {
  t: TestApp;
  /** The configuration variables the API was started with (to start another instance on the same database). */
  env: Record<string, string>;
  sim: GithubSimHandle;
  gateway: FakeGateway;
  http(): ReturnType<typeof request>;
  /** Full sign-in through the fake gateway; returns the session cookie value. */
  signIn(login: string, options?: { returnTo?: string; previousSession?: string }): Promise<SignInResult>;
  close(): Promise<void>;
}

export interface SignInResult {
  session: string;
  location: string;
  /** Every response of the flow, for leak checks. */
  responses: request.Response[];
}

/**
 * The real API (real Postgres) + the GitHub simulator + a fake gateway. `env` overrides API configuration.
 */
export async function startAuthHarness(
  options: { env?: Record<string, string>; sim?: GithubSimOptions } = {},
): Promise<AuthHarness> {
  const sim = await startGithubSim({ preset: 'small', seed: 7, ...options.sim });
  const clientId = 'trackeep-test';
  const clientSecret = randomBytes(32).toString('base64url');
  const githubHost = new URL(sim.url).host;
  const users = Object.fromEntries(
    [...sim.world.users.values()].map((u) => [u.login, { id: u.id, name: u.name, email: u.email }]),
  );
  const gateway = await startFakeGateway({
    clientId,
    clientSecret,
    githubHost,
    users,
    issueGithubToken: (login) => sim.issueToken(login),
  });
  const env: Record<string, string> = {
    GATEWAY_URL: gateway.url,
    GATEWAY_CLIENT_ID: clientId,
    GATEWAY_CLIENT_SECRET: clientSecret,
    JWT_SECRET: randomBytes(48).toString('base64url'),
    TOKEN_ENCRYPTION_KEYS: `v1:${randomBytes(32).toString('base64')}`,
    GITHUB_WEB_URL: sim.url,
    GITHUB_API_URL: sim.apiUrl,
    AUTH_RATE_LIMIT_PER_MINUTE: '10000',
    // These tests seed the shared tables themselves; no sync worker may write to them meanwhile (the sync has tests of its own).
    SYNC_ENABLED: 'false',
    ...options.env,
  };
  const t = await createTestApp(env);
  const http = () => request(t.app.getHttpServer());

  const signIn = async (
    login: string,
    opts: { returnTo?: string; previousSession?: string } = {},
  ): Promise<SignInResult> => {
    const responses: request.Response[] = [];
    gateway.nextLogin = login;
    const start = await http()
      .get('/api/v1/auth/login')
      .query(opts.returnTo === undefined ? {} : { returnTo: opts.returnTo })
      .expect(303);
    responses.push(start);
    const loginCookie = setCookies(start).get(LOGIN_COOKIE)?.value;
    if (!loginCookie) throw new Error('no sign-in cookie');
    const atGateway = await fetch(start.headers['location'] as string, { redirect: 'manual' });
    const back = new URL(atGateway.headers.get('location') ?? '');
    const cookies = [cookie(LOGIN_COOKIE, loginCookie)];
    if (opts.previousSession) cookies.push(cookie(SESSION_COOKIE, opts.previousSession));
    const done = await http()
      .get(`${back.pathname}${back.search}`)
      .set('Cookie', cookies.join('; '))
      .expect(303);
    responses.push(done);
    const session = setCookies(done).get(SESSION_COOKIE)?.value;
    if (!session) throw new Error(`sign-in failed: ${done.headers['location']}`);
    return { session, location: done.headers['location'] as string, responses };
  };

  return {
    t,
    env,
    sim,
    gateway,
    http,
    signIn,
    async close() {
      await t.close();
      await gateway.close();
      await sim.stop();
    },
  };
}

export function withSession(session: string): string {
  return cookie(SESSION_COOKIE, session);
}

/** Makes one of octocat's repositories other than Hello-World private (so only octocat can read it); its name. */
export async function makeOctocatRepoPrivate(sim: GithubSimHandle): Promise<string> {
  const w = sim.world;
  const octocat = w.requireUser('octocat');
  const candidate = [...w.repos.values()].find(
    (r) => r.ownerType === 'User' && r.ownerId === octocat.id && r.name !== 'Hello-World' && !r.deleted,
  );
  if (!candidate) throw new Error('the simulated world has no second repository of octocat');
  await w.setVisibility({ owner: 'octocat', repo: candidate.name, private: true });
  return candidate.name;
}
