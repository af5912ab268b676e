import type { Commit, Page, SyncStatus, TrackedRepo } from '@trackeep/contracts';
import type { FaultConfig } from '@trackeep/github-sim';
import { DataSource } from 'typeorm';
import { SyncQueue } from '../src/sync/jobs/sync-queue.service';
import { cookie } from './support/cookies';
import { CSRF, SESSION_COOKIE, startAuthHarness, type AuthHarness } from './support/auth-harness';
import { allRunsSettled, NEVER, runsOf, waitFor } from './sync-support/sync-app';
import { splitFullName } from '../src/common/full-name.util';
import { firstRow, must } from './sync-support/sync-harness';

// GitHub's failure shapes through the whole stack: the real API and its sync jobs against the simulator with
// one fault on at a time. Each case checks the database and what the API answers, then that sync recovers
// once the fault is off. A small world (two public repositories: one of octocat's, one of the acme-corp org).
const WORLD = {
  preset: 'small' as const,
  seed: 7,
  now: '2025-06-01T12:00:00Z',
  sizes: { commitsPerRepo: 40, pullsPerRepo: 8, reposPerOwner: 1 },
};
const OWN = 'octocat/Hello-World';
const ORG_REPO = 'acme-corp/k8s-manifests';

describe('sync against GitHub’s failure shapes (real API, simulator faults)', () => {
  let h: AuthHarness;
  let ds: DataSource;
  let session: string;
  const ids = new Map<string, string>();
  const idOf = (full: string) => must(ids.get(full), `the repository id of ${full}`);
  const auth = () => cookie(SESSION_COOKIE, session);

  beforeAll(async () => {
    h = await startAuthHarness({
      env: { SYNC_ENABLED: 'true', SYNC_CRON: NEVER, SYNC_CONCURRENCY: '2', SYNC_PAUSE_RECHECK_SECONDS: '1' },
      sim: WORLD,
    });
    ds = h.t.app.get(DataSource);
    session = (await h.signIn('octocat')).session;
    for (const full of [OWN, ORG_REPO]) {
      await h.http().post(`/api/v1/repos/${full}/track`).set('Cookie', auth()).set(CSRF).expect(201);
      const { id } = await firstRow<{ id: string }>(
        ds.query(`SELECT id FROM repositories WHERE full_name = $1`, [full]),
        `the repository row of ${full}`,
      );
      ids.set(full, id);
    }
    await allRunsSettled(ds);
  });
  afterEach(() => h.sim.setFaults({}));
  afterAll(() => h.close());

  /** A sync of `full` as the schedule queues it, waited for until every run settled. */
  async function syncRepo(full: string): Promise<{ id: string; status: string; error: string | null }> {
    await h.t.app.get(SyncQueue).enqueueRepo(idOf(full), 'manual');
    await allRunsSettled(ds);
    return must((await runsOf(ds, idOf(full))).at(-1), 'a run');
  }

  const count = async (table: 'commits' | 'pull_requests', full: string): Promise<number> =>
    (
      await firstRow<{ n: number }>(
        ds.query(`SELECT count(*)::int AS n FROM ${table} WHERE repo_id = $1`, [idOf(full)]),
        `the ${table} count of ${full}`,
      )
    ).n;
  const repoRow = async (full: string) =>
    firstRow<{ github_state: string; github_block: unknown }>(
      ds.query(`SELECT github_state, github_block FROM repositories WHERE id = $1`, [idOf(full)]),
      `the repository row of ${full}`,
    );
  const hasAccess = async (full: string): Promise<boolean> =>
    ((await ds.query(`SELECT 1 FROM repo_access WHERE repo_id = $1`, [idOf(full)])) as unknown[]).length > 0;
  const statusOf = async (full: string) =>
    must(
      (
        (await h.http().get('/api/v1/sync/status').set('Cookie', auth()).expect(200)).body as SyncStatus
      ).repos.find((r) => r.repoFullName === full),
      `status of ${full}`,
    );
  const tracked = async (full: string): Promise<TrackedRepo> =>
    (await h.http().get(`/api/v1/repos/${full}`).set('Cookie', auth()).expect(200)).body as TrackedRepo;
  const push = (full: string, commits: number) => {
    const [owner, repo] = splitFullName(full);
    return h.sim.world.pushCommits({ owner, repo, commits });
  };
  const faults = (f: FaultConfig) => h.sim.setFaults(f);

  it('control: without faults both repositories are synced completely and reported healthy', async () => {
    for (const full of [OWN, ORG_REPO]) {
      expect((await runsOf(ds, idOf(full))).map((r) => r.status)).toEqual(['succeeded']);
      expect(await count('commits', full)).toBeGreaterThan(10);
      expect(await count('pull_requests', full)).toBeGreaterThan(0);
      expect(await statusOf(full)).toMatchObject({ lastError: null, pausedUntil: null, block: null });
      expect(await tracked(full)).toMatchObject({ githubState: 'ok', githubBlock: null });
    }
  });

  it('partial GraphQL results: every commit of the page is stored, the refused figures are fetched again once GitHub gives them', async () => {
    const before = await count('commits', OWN);
    await push(OWN, 4);
    faults({ graphqlPartial: { field: 'additions', repos: [OWN] } });
    expect(await syncRepo(OWN)).toMatchObject({ status: 'succeeded', error: null });
    expect(await count('commits', OWN)).toBe(before + 4);
    const pending = (await ds.query(
      `SELECT sha, additions, figures_status, figures_refusals FROM commits WHERE repo_id = $1 AND figures_status IS NOT NULL`,
      [idOf(OWN)],
    )) as Array<{
      additions: number | null;
      figures_status: string;
      figures_refusals: number;
    }>;
    expect(pending).toHaveLength(4);
    // Stored without the figure, asked again at the end of the run (refused again: counted once).
    expect(
      pending.every(
        (c) => c.additions === null && c.figures_status === 'pending' && c.figures_refusals === 1,
      ),
    ).toBe(true);

    faults({});
    expect(await syncRepo(OWN)).toMatchObject({ status: 'succeeded' });
    const left = (await ds.query(
      `SELECT count(*)::int AS n FROM commits WHERE repo_id = $1 AND (figures_status IS NOT NULL OR additions IS NULL)`,
      [idOf(OWN)],
    )) as Array<{ n: number }>;
    expect(must(left[0], 'the count of commits without figures').n).toBe(0);
  });

  it('partial GraphQL results on pull requests: the updated pull request is stored, its known figures kept and asked again', async () => {
    const pr = await firstRow<{ number: number; additions: number }>(
      ds.query(`SELECT number, additions FROM pull_requests WHERE repo_id = $1 ORDER BY number LIMIT 1`, [
        idOf(OWN),
      ]),
      'a stored pull request',
    );
    await h.sim.world.updatePull({
      owner: 'octocat',
      repo: 'Hello-World',
      number: pr.number,
      title: 'Retitled while GitHub refuses figures',
    });
    faults({ graphqlPartial: { field: 'additions', repos: [OWN] } });
    expect(await syncRepo(OWN)).toMatchObject({ status: 'succeeded' });
    const [row] = (await ds.query(
      `SELECT title, additions, figures_status FROM pull_requests WHERE repo_id = $1 AND number = $2`,
      [idOf(OWN), pr.number],
    )) as Array<{
      title: string;
      additions: number | null;
      figures_status: string | null;
    }>;
    expect(row).toEqual({
      title: 'Retitled while GitHub refuses figures',
      additions: pr.additions,
      figures_status: 'pending',
    });

    faults({});
    expect(await syncRepo(OWN)).toMatchObject({ status: 'succeeded' });
    const pending = (await ds.query(
      `SELECT count(*)::int AS n FROM pull_requests WHERE repo_id = $1 AND figures_status IS NOT NULL`,
      [idOf(OWN)],
    )) as Array<{ n: number }>;
    expect(must(pending[0], 'the count of pull requests without figures').n).toBe(0);
  });

  it('partial GraphQL results that never stop: the figures are marked unavailable after three refusals, and the API says so', async () => {
    await push(OWN, 2);
    faults({ graphqlPartial: { field: 'additions', repos: [OWN] } });
    for (let i = 0; i < 3; i++) expect(await syncRepo(OWN)).toMatchObject({ status: 'succeeded' });
    const rows = (await ds.query(
      `SELECT figures_status, figures_refusals FROM commits WHERE repo_id = $1 AND figures_status IS NOT NULL`,
      [idOf(OWN)],
    )) as Array<{
      figures_status: string;
      figures_refusals: number;
    }>;
    expect(rows).toEqual([
      { figures_status: 'unavailable', figures_refusals: 3 },
      { figures_status: 'unavailable', figures_refusals: 3 },
    ]);
    const page = (
      await h.http().get(`/api/v1/repos/${OWN}/commits?limit=100`).set('Cookie', auth()).expect(200)
    ).body as Page<Commit>;
    expect(page.items.filter((c) => c.figuresUnavailable)).toHaveLength(2);
    expect(page.items.filter((c) => c.figuresUnavailable).every((c) => c.additions === null)).toBe(true);
  });

  it.each([
    ['RATE_LIMIT / graphql_rate_limit at 200', { shape: 'RATE_LIMIT', status: 200 }],
    ['RATE_LIMITED at 403', { shape: 'RATE_LIMITED', status: 403 }],
  ] as const)(
    'a GraphQL rate limit (%s) pauses the run with the reset shown in status, keeps access, and resumes when lifted',
    async (_shape, limit) => {
      await push(OWN, 1);
      faults({ graphqlRateLimit: { ...limit } });
      await h.t.app.get(SyncQueue).enqueueRepo(idOf(OWN), 'manual');
      const paused = await waitFor('the run to pause', async () =>
        (await runsOf(ds, idOf(OWN))).find((r) => r.paused_until !== null && r.status === 'queued'),
      );
      expect(await hasAccess(OWN)).toBe(true);
      expect(await repoRow(OWN)).toMatchObject({ github_state: 'ok' });
      const status = await statusOf(OWN);
      expect(status.pausedUntil).not.toBeNull();
      expect(status.lastError).toBeNull();
      expect((await tracked(OWN)).githubState).toBe('ok');

      faults({});
      await allRunsSettled(ds);
      expect((await runsOf(ds, idOf(OWN))).find((r) => r.id === paused.id)).toMatchObject({
        status: 'succeeded',
        paused_until: null,
      });
      expect((await statusOf(OWN)).pausedUntil).toBeNull();
    },
  );

  it.each([
    [
      'SAML SSO enforcement',
      { sso: { org: 'acme-corp' } },
      'needs_sso',
      'sso',
      /\/orgs\/acme-corp\/sso\?authorization_request=/,
    ],
    [
      'OAuth App access restrictions',
      { oauthAppPolicy: { org: 'acme-corp' } },
      'oauth_app_blocked',
      'oauth_app_policy',
      /^https:\/\/docs\.github\.com\//,
    ],
  ] as const)(
    '%s: nothing is revoked, the data stays visible, the block and its link are shown, and sync resumes when lifted',
    async (_name, fault, state, kind, url) => {
      faults(fault as FaultConfig);
      const run = await syncRepo(ORG_REPO);
      expect(run.status).toBe('failed');
      expect(await hasAccess(ORG_REPO)).toBe(true);
      const row = await repoRow(ORG_REPO);
      expect(row.github_state).toBe(state);
      expect(row.github_block).toMatchObject({ kind, org: 'acme-corp' });

      const repo = await tracked(ORG_REPO);
      expect(repo.githubState).toBe(state);
      expect(must(repo.githubBlock, 'githubBlock')).toMatchObject({ kind, org: 'acme-corp' });
      expect(repo.githubBlock?.url).toMatch(url);
      const commits = (
        await h.http().get(`/api/v1/repos/${ORG_REPO}/commits`).set('Cookie', auth()).expect(200)
      ).body as Page<Commit>;
      expect(commits.items.length).toBeGreaterThan(0);
      const status = await statusOf(ORG_REPO);
      expect(status.block).toMatchObject({ kind, org: 'acme-corp' });
      expect(status.lastError).not.toMatch(/no longer gives you access|deleted/);

      faults({});
      expect(await syncRepo(ORG_REPO)).toMatchObject({ status: 'succeeded' });
      expect(await repoRow(ORG_REPO)).toEqual({ github_state: 'ok', github_block: null });
      expect(await tracked(ORG_REPO)).toMatchObject({ githubState: 'ok', githubBlock: null });
      expect((await statusOf(ORG_REPO)).block).toBeNull();
    },
  );

  it("SAML SSO enforced on one tracker's token only: the sync reads with another tracker's, and no block is shown", async () => {
    // monalisa tracks the organization's public repository too, with less permission: octocat is asked first.
    const other = (await h.signIn('monalisa')).session;
    await h
      .http()
      .post(`/api/v1/repos/${ORG_REPO}/track`)
      .set('Cookie', cookie(SESSION_COOKIE, other))
      .set(CSRF)
      .expect(201);
    await allRunsSettled(ds);
    const before = await count('commits', ORG_REPO);
    await push(ORG_REPO, 2);
    faults({ sso: { org: 'acme-corp', users: ['octocat'] } });
    const run = await syncRepo(ORG_REPO);
    expect(run).toMatchObject({ status: 'succeeded', error: null });
    expect(await count('commits', ORG_REPO)).toBe(before + 2);
    expect(await repoRow(ORG_REPO)).toEqual({ github_state: 'ok', github_block: null });
    expect(await hasAccess(ORG_REPO)).toBe(true);
    const [credential] = (await ds.query(
      `SELECT u.login FROM sync_runs r JOIN users u ON u.id = r.credential_user_id WHERE r.id = $1`,
      [run.id],
    )) as Array<{ login: string }>;
    expect(credential?.login).toBe('monalisa');

    // The refused token (octocat's, ranked first by permission) is asked last from now on: the next run spends no
    // request on it.
    const octocatRequests = async (): Promise<number> => {
      const res = await fetch(`${h.sim.apiUrl}/rate_limit`, {
        headers: { authorization: `token ${h.sim.issueToken('octocat')}` },
      });
      const { resources } = (await res.json()) as Record<
        'resources',
        Record<'core' | 'graphql', { used: number }>
      >;
      return resources.core.used + resources.graphql.used;
    };
    const usedBefore = await octocatRequests();
    await push(ORG_REPO, 1);
    expect(await syncRepo(ORG_REPO)).toMatchObject({ status: 'succeeded' });
    expect(await count('commits', ORG_REPO)).toBe(before + 3);
    expect(await octocatRequests()).toBe(usedBefore);

    // Refused for both: the block and who must act are shown, as with one tracker.
    faults({ sso: { org: 'acme-corp' } });
    expect((await syncRepo(ORG_REPO)).status).toBe('failed');
    expect(await repoRow(ORG_REPO)).toMatchObject({
      github_state: 'needs_sso',
      github_block: { kind: 'sso' },
    });
    faults({});
    expect(await syncRepo(ORG_REPO)).toMatchObject({ status: 'succeeded' });
  });

  it('GraphQL timeouts (200, data: null, "Something went wrong") are retried with smaller pages and the run finishes with everything', async () => {
    const before = await count('commits', OWN);
    await push(OWN, 3);
    faults({ graphqlTimeout: { count: 2 } });
    expect(await syncRepo(OWN)).toMatchObject({ status: 'succeeded' });
    expect(await count('commits', OWN)).toBe(before + 3);
    expect(h.sim.stats().faults.injectedErrors).toBeGreaterThan(0);
  });

  // Last: it ends with octocat's access to the repository revoked.
  it('a 404 is only evidence when it repeats: one run keeps access, a success in between starts over, two in a row revoke and a confirmed 404 shows deleted', async () => {
    faults({ notFound: { repos: [OWN], byId: true } });
    const first = await syncRepo(OWN);
    expect(first.status).toBe('failed');
    expect(first.error).toMatch(/access is kept/);
    expect(await hasAccess(OWN)).toBe(true);
    expect((await tracked(OWN)).githubState).toBe('ok');

    // A working answer in between: the 404s are no longer "in a row".
    faults({});
    expect(await syncRepo(OWN)).toMatchObject({ status: 'succeeded' });
    expect(
      (
        await firstRow<{ not_found_strikes: number }>(
          ds.query(`SELECT not_found_strikes FROM repo_access WHERE repo_id = $1`, [idOf(OWN)]),
          'the access row',
        )
      ).not_found_strikes,
    ).toBe(0);

    faults({ notFound: { repos: [OWN], byId: true } });
    expect((await syncRepo(OWN)).status).toBe('failed');
    expect(await hasAccess(OWN)).toBe(true);
    const second = await syncRepo(OWN);
    expect(second.status).toBe('failed');
    expect(await hasAccess(OWN)).toBe(false);
    // GET /repositories/{id} answered 404 for a public repository: GitHub confirms it is gone.
    expect((await repoRow(OWN)).github_state).toBe('deleted');
    await h.http().get(`/api/v1/repos/${OWN}`).set('Cookie', auth()).expect(404);
    expect((await statusOf(OWN)).lastError).toMatch(/deleted/);
  });
});
