import type { SyncRun } from '@trackeep/contracts';
import { DataSource } from 'typeorm';
import { UsersService } from '../src/auth/users.service';
import { GithubEtagCache } from '../src/github/github-etag-cache.service';
import { GithubRateLimitRepository } from '../src/github/github-rate-limit.repository';
import { GithubRateLimitService } from '../src/github/github-rate-limit.service';
import { CredentialLimitsRegistry } from '../src/sync/github/credential-limits';
import { CSRF, startAuthHarness, withSession, type AuthHarness } from './support/auth-harness';
import { sample } from './support/prometheus';
import { allRunsSettled, NEVER, ownedRepos } from './sync-support/sync-app';
import { must } from './sync-support/sync-harness';

/** pino's numeric levels. */
const DEBUG = 20;
const ERROR = 50;

interface LogEntry {
  level: number;
  context?: string;
  msg?: string;
}

describe('one GitHub adapter for every caller (real API, simulator)', () => {
  let h: AuthHarness;
  let session: string;
  let userId: string;
  let token: string;
  let etagGets: jest.SpyInstance;
  let budgetsObserved: jest.SpyInstance;

  beforeAll(async () => {
    h = await startAuthHarness({
      env: { SYNC_ENABLED: 'true', SYNC_CRON: NEVER, LOG_LEVEL: 'debug' },
      sim: { sizes: { reposPerOwner: 2, orgs: 0, commitsPerRepo: 30, pullsPerRepo: 5, issuesPerRepo: 0 } },
    });
    etagGets = jest.spyOn(h.t.app.get(GithubEtagCache), 'get');
    budgetsObserved = jest.spyOn(h.t.app.get(GithubRateLimitService), 'observe');
    session = (await h.signIn('octocat')).session;
    userId = (await h.http().get('/api/v1/auth/me').set('Cookie', withSession(session)).expect(200)).body.id;
    token = (await h.t.app.get(UsersService).githubToken(userId)) ?? '';
    const [repo] = ownedRepos(h.sim, 'octocat', 1);
    // Tracking syncs the repository at once (REST metadata, GraphQL pages).
    await h
      .http()
      .post(`/api/v1/repos/${repo}/track`)
      .set('Cookie', withSession(session))
      .set(CSRF)
      .expect(201);
    await allRunsSettled(h.t.app.get(DataSource));
  });
  afterAll(() => h.close());

  // refresh=true: asks GitHub each time (conditionally), where a fresh page would otherwise be reused.
  const list = () =>
    h.http().get('/api/v1/github/repos').query({ refresh: 'true' }).set('Cookie', withSession(session));
  const logEntries = (lines: string[]): LogEntry[] =>
    lines.flatMap((line) => {
      try {
        return [JSON.parse(line) as LogEntry];
      } catch {
        return [];
      }
    });

  it('counts the sync’s GitHub traffic in /metrics: REST and GraphQL requests, GraphQL points from each query’s cost, and the budget left per credential', async () => {
    const runs = (await h.http().get('/api/v1/sync/runs').set('Cookie', withSession(session)).expect(200))
      .body.items as SyncRun[];
    expect(runs).toHaveLength(1);
    const run = must(runs[0], 'the sync run');
    expect(run).toMatchObject({ status: 'succeeded' });
    const text = (await h.http().get('/metrics').expect(200)).text;

    expect(sample(text, 'trackeep_github_requests_total', { api: 'graphql', status: '200' })).toBeGreaterThan(
      0,
    );
    expect(sample(text, 'trackeep_github_requests_total', { api: 'rest' })).toBeGreaterThan(0);
    // Nothing but the sync sent GraphQL: its points are exactly the cost GitHub reported for its queries.
    expect(run.graphqlPoints).toBeGreaterThan(0);
    expect(sample(text, 'trackeep_github_points_total', { api: 'graphql' })).toBe(run.graphqlPoints);

    const left = await (
      await fetch(`${h.sim.apiUrl}/rate_limit`, { headers: { authorization: `token ${token}` } })
    ).json();
    const gauge = (resource: string) =>
      sample(text, 'trackeep_github_budget_remaining', { credential: userId, resource });
    expect(gauge('graphql')).toBe(left.resources.graphql.remaining);
    expect(gauge('graphql')).toBeLessThan(left.resources.graphql.limit);
    expect(gauge('core')).toBeGreaterThan(0);
    expect(text).not.toContain(token);
  });

  it('the sync and the repository list share one ETag cache and one rate-limit store', async () => {
    await list().expect(200);
    const paths = etagGets.mock.calls.map((call) => String(call[2]));
    expect(paths.some((p) => p.startsWith('/repositories/'))).toBe(true); // the sync's metadata reads
    expect(paths.some((p) => p.startsWith('/user/repos'))).toBe(true); // the repository list
    expect(new Set(etagGets.mock.calls.map((call) => call[0]))).toEqual(new Set([userId]));

    const resources = new Set(
      budgetsObserved.mock.calls.filter((call) => call[0] === userId).map((call) => String(call[1])),
    );
    expect(resources).toEqual(new Set(['core', 'graphql']));
    // The sync's limits read the very budget the repository list just recorded, without a database round trip.
    const store = h.t.app.get(GithubRateLimitService);
    const limits = h.t.app.get(CredentialLimitsRegistry).for(userId);
    expect(limits.budget('core')).toBe(store.budget(userId, 'core'));
    const left = await (
      await fetch(`${h.sim.apiUrl}/rate_limit`, { headers: { authorization: `token ${token}` } })
    ).json();
    expect(limits.budget('core')?.remaining).toBe(left.resources.core.remaining);
  });

  it('stores each credential’s budget once per resource, and skips a user or installation that is gone', async () => {
    const store = h.t.app.get(GithubRateLimitRepository);
    const resetAt = new Date('2026-06-01T12:00:00Z');
    await store.save({ userId }, 'search', { limit: 30, remaining: 29, resetAt });
    await store.save({ userId }, 'search', { limit: 30, remaining: 28, resetAt });
    expect(await store.load({ userId }, ['search'])).toEqual([
      { resource: 'search', limit: 30, remaining: 28, resetAt },
    ]);
    const gone = { userId: '00000000-0000-4000-8000-000000000000' };
    await expect(store.save(gone, 'core', { limit: 5000, remaining: 1, resetAt })).resolves.toBeUndefined();
    expect(await store.load(gone, ['core'])).toEqual([]);
    const unknown = { host: 'github.com', installationId: 987_654 };
    await expect(
      store.save(unknown, 'core', { limit: 5000, remaining: 1, resetAt }),
    ).resolves.toBeUndefined();
    expect(await store.load(unknown, ['core'])).toEqual([]);
  });

  it('shares the last budget of a burst with other replicas once the interval is over, not only its first', async () => {
    const service = h.t.app.get(GithubRateLimitService);
    const stored = h.t.app.get(GithubRateLimitRepository);
    const resetAt = new Date('2026-06-01T13:00:00Z');
    const started = Date.now();
    const now = jest.spyOn(Date, 'now').mockReturnValue(started);
    try {
      await service.observe(userId, 'code_search', { limit: 10, remaining: 9, resetAt });
      // Within the interval: kept in memory, and shared when the interval ends (10 ms from now).
      now.mockReturnValue(started + 4_990);
      await service.observe(userId, 'code_search', { limit: 10, remaining: 7, resetAt });
      expect((await stored.load({ userId }, ['code_search']))[0]?.remaining).toBe(9);
    } finally {
      now.mockRestore();
    }
    const deadline = Date.now() + 2_000;
    let remaining: number | undefined;
    while (Date.now() < deadline && remaining !== 7) {
      await new Promise((r) => setTimeout(r, 20));
      remaining = (await stored.load({ userId }, ['code_search']))[0]?.remaining;
    }
    expect(remaining).toBe(7);
  });

  it('logs a 304 from the ETag cache as a success at debug level, never as an error', async () => {
    await list().expect(200);
    const before = h.t.logs.length;
    await list().expect(200); // every page unchanged: answered 304 from the stored ETags
    const lines = logEntries(h.t.logs.slice(before));
    const notModified = lines.filter((e) => e.context === 'GithubClient' && / - 304 /.test(e.msg ?? ''));
    expect(notModified.length).toBeGreaterThan(0);
    expect(notModified.every((e) => e.level === DEBUG)).toBe(true);
    expect(lines.filter((e) => e.level >= ERROR)).toEqual([]);
  });

  it('forgets the ETags stored under a token once the user signs in with a new one', async () => {
    await list().expect(200);
    const stored = () =>
      h.t.app
        .get(DataSource)
        .query(`SELECT count(*)::int AS n FROM github_etags WHERE user_id = $1`, [userId])
        .then((rows: Array<{ n: number }>) => rows[0]?.n);
    expect(await stored()).toBeGreaterThan(0);
    await h.signIn('octocat');
    expect(await stored()).toBe(0);
  });
});
