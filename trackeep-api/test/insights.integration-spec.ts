import { Kysely } from 'kysely';
import { Client } from 'pg';
import type { DB } from '../src/database/db.types';
import { FACT_TABLES } from '../src/database/migrations/1764003900000-FactVersions';
import { InsightsRepository } from '../src/insights/insights.repository';
import { DeploymentsRepository, type DeploymentStatusWrite } from '../src/repos/data/deployments.repository';
import { OrgSyncService } from '../src/teams/org-sync.service';
import { CSRF, startAuthHarness, withSession, type AuthHarness } from './support/auth-harness';
import { seedCommits, seedPulls } from './support/seed-repo-data';

const ORG = 'acme-corp';
// Monday 2026-01-05 to Sunday 2026-01-11 (UTC), and the week before as the previous period.
const PERIOD = '?period=custom&from=2026-01-05&to=2026-01-11';

/**
 * Delivery insights on the real API and Postgres: settings (validation, who may change them, the rule in force
 * and the deployments it detects), DORA and cycle figures of a repository, an organization and a team, the
 * drill-down and its CSV, and 404 for anyone who may not read the repository or is outside the organization.
 */
describe('delivery insights', () => {
  let h: AuthHarness;
  let db: Client;
  let octocat: string; // owner (admin) of acme-corp, admin of the repository
  let monalisa: string; // member, may only read the repository
  let hubot: string; // outside the organization, does not track the repository
  let repoA: string;
  let nameA: string;
  let dev1: string;

  const as = (session: string) => ({
    get: (path: string) => h.http().get(`/api/v1${path}`).set('Cookie', withSession(session)),
    post: (path: string) => h.http().post(`/api/v1${path}`).set('Cookie', withSession(session)).set(CSRF),
    put: (path: string) => h.http().put(`/api/v1${path}`).set('Cookie', withSession(session)).set(CSRF),
    del: (path: string) => h.http().delete(`/api/v1${path}`).set('Cookie', withSession(session)).set(CSRF),
  });
  const repoPath = () => `/repos/${ORG}/${nameA}/insights`;
  /** A production deployment of s2 and its success status, through the write model. */
  const deployToProduction = (repoId: string, id: number, createdAt: string, succeededAt = createdAt) =>
    DeploymentsRepository.upsert(
      h.t.app.get<Kysely<DB>>(Kysely),
      repoId,
      [
        {
          deployment_id: id,
          node_id: `D_${id}`,
          environment: 'production',
          sha: 's2',
          ref: 'main',
          task: 'deploy',
          description: null,
          creator_login: 'deploy-bot',
          created_at: createdAt,
          updated_at: createdAt,
        },
      ],
      [
        {
          node_id: `DS_${id}_1`,
          deployment_id: id,
          state: 'success',
          description: null,
          environment_url: null,
          log_url: null,
          creator_login: 'deploy-bot',
          created_at: succeededAt,
        },
      ],
    );

  beforeAll(async () => {
    h = await startAuthHarness({
      sim: { sizes: { reposPerOwner: 1, commitsPerRepo: 2, pullsPerRepo: 0, issuesPerRepo: 0 } },
    });
    db = new Client({ connectionString: h.t.db.url });
    await db.connect();
    const w = h.sim.world;
    const org = w.org(ORG)!;
    dev1 = [...w.users.values()].find((u) => !['octocat', 'hubot', 'monalisa'].includes(u.login))!.login;
    w.setOrgMembership({ org: ORG, login: 'monalisa', role: 'member' });
    w.setOrgMembership({ org: ORG, login: dev1, role: 'member' });
    w.setOrgMembership({ org: ORG, login: 'hubot', role: null });
    w.createTeam({ org: ORG, name: 'Alpha' });
    w.setTeamMembership({ org: ORG, team: 'alpha', login: dev1, role: 'member' });
    nameA = [...w.repos.values()].find((r) => r.ownerType === 'Organization' && r.ownerId === org.id)!.name;
    w.setTeamRepo({ org: ORG, team: 'alpha', repo: nameA, permission: 'push' });
    await w.settled();

    ({ session: octocat } = await h.signIn('octocat'));
    ({ session: monalisa } = await h.signIn('monalisa'));
    ({ session: hubot } = await h.signIn('hubot'));
    repoA = (await as(octocat).post(`/repos/${ORG}/${nameA}/track`).expect(201)).body.id;
    await as(monalisa).post(`/repos/${ORG}/${nameA}/track`).expect(201);
    // What GitHub granted, made explicit: settings take maintain or admin.
    await db.query(
      `UPDATE repo_access SET permission = CASE WHEN user_id = (SELECT id FROM users WHERE login = 'octocat')
         THEN 'admin' ELSE 'pull' END WHERE repo_id = $1`,
      [repoA],
    );
    await db.query('DELETE FROM commits WHERE repo_id = $1', [repoA]);
    await db.query('DELETE FROM pull_requests WHERE repo_id = $1', [repoA]);
    await seedCommits(db, repoA, [
      // As GitHub writes them: the pull request is named on the first line, its title and body follow.
      {
        sha: 'm1',
        message: `Merge pull request #1 from ${ORG}/one\n\nFirst change`,
        committedAt: '2026-01-05T11:00:00Z',
      },
      {
        sha: 's2',
        message: 'Second change (#2)\n\n* a commit\n* another',
        committedAt: '2026-01-07T00:00:00Z',
      },
    ]);
    await seedPulls(db, repoA, [
      {
        number: 1,
        state: 'merged',
        author: dev1,
        createdAt: '2026-01-05T01:00:00Z',
        updatedAt: '2026-01-05T11:00:00Z',
        mergedAt: '2026-01-05T11:00:00Z',
      },
      {
        number: 2,
        state: 'merged',
        author: 'monalisa',
        createdAt: '2026-01-06T00:00:00Z',
        updatedAt: '2026-01-07T00:00:00Z',
        mergedAt: '2026-01-07T00:00:00Z',
      },
      {
        number: 3,
        state: 'merged',
        author: dev1,
        title: '=cmd|calc',
        createdAt: '2026-01-07T00:00:00Z',
        updatedAt: '2026-01-09T00:00:00Z',
        mergedAt: '2026-01-09T00:00:00Z',
      },
      {
        number: 4,
        state: 'open',
        author: dev1,
        createdAt: '2026-01-09T00:00:00Z',
        updatedAt: '2026-01-09T00:00:00Z',
      },
    ]);
    expect(await h.t.app.get(OrgSyncService).syncOrg(ORG)).toBe('synced');
  });
  afterAll(async () => {
    await db?.end();
    await h?.close();
  });

  it('answers 404 to someone who may not read the repository or is outside the organization', async () => {
    for (const path of [
      `${repoPath()}/settings`,
      `${repoPath()}/dora${PERIOD}`,
      `${repoPath()}/cycle${PERIOD}`,
      `${repoPath()}/drilldown${PERIOD}`,
    ])
      expect((await as(hubot).get(path).expect(404)).body.code).toBe('repo_not_found');
    for (const path of [
      `/orgs/${ORG}/insights/settings`,
      `/orgs/${ORG}/insights/dora`,
      `/orgs/${ORG}/insights/cycle`,
      `/orgs/${ORG}/teams/alpha/insights/dora`,
    ])
      expect((await as(hubot).get(path).expect(404)).body.code).toBe('org_not_found');
    await as(hubot)
      .put(`${repoPath()}/settings`)
      .send({ deployment: { kind: 'merges' } })
      .expect(404);
    await as(hubot)
      .put(`/orgs/${ORG}/insights/settings`)
      .send({ deployment: { kind: 'merges' } })
      .expect(404);
    expect((await as(octocat).get(`/orgs/${ORG}/teams/nope/insights/dora`).expect(404)).body.code).toBe(
      'team_not_found',
    );
  });

  it('says "no deployments" while the rule in force (GitHub deployments to production) has found none', async () => {
    const settings = (await as(monalisa).get(`${repoPath()}/settings`).expect(200)).body;
    expect(settings).toMatchObject({
      source: 'default',
      effective: { deployment: { kind: 'deployments', environments: ['production'] } },
      repository: null,
      organization: null,
      lastDeployments: [],
    });
    const dora = (await as(monalisa).get(`${repoPath()}/dora${PERIOD}`).expect(200)).body;
    expect(dora.bandsSource).toMatch(/2024 Accelerate State of DevOps/);
    expect(dora.current.noDeployments).toBe(true);
    expect(dora.current.deploymentFrequency).toEqual({ deployments: 0, perWeek: null, band: null });
  });

  it('history window: read by readers, changed by maintainers with clear 400s; reaching further back queues a sync', async () => {
    const path = `/repos/${ORG}/${nameA}/sync/history`;
    const read = (await as(monalisa).get(path).expect(200)).body;
    expect(read).toMatchObject({
      repository: `${ORG}/${nameA}`,
      since: null,
      instanceDays: 365,
      canEdit: false,
    });
    const start = Date.parse(read.effectiveSince);
    expect(Math.abs(start - (Date.now() - 365 * 86_400_000))).toBeLessThan(60_000);
    await as(hubot).get(path).expect(404);
    const denied = await as(monalisa).put(path).send({ since: 'all' });
    expect(denied.status).toBe(403);
    expect(denied.body.message).toMatch(/maintain or admin/);
    for (const [body, message] of [
      [{}, /since is required/],
      [{ since: 'yesterday' }, /since must be a day/],
      [{ since: '2026-02-30' }, /not a calendar day/],
      [{ since: '2007-12-31' }, /2008-01-01 or later/],
      [{ since: '2999-01-01' }, /in the future/],
      [{ since: 'all', until: 'now' }, /unknown field until/],
    ] as const) {
      const res = await as(octocat).put(path).send(body);
      expect({ status: res.status, message: res.body.message }).toEqual({
        status: 400,
        message: expect.stringMatching(message),
      });
    }
    await db.query(
      `INSERT INTO sync_cursors (repo_id, stream, state) VALUES ($1, 'issues', '{"backfilledAt":"2026-01-01"}')
       ON CONFLICT (repo_id, stream) DO NOTHING`,
      [repoA],
    );
    // Nothing waiting before: the tracking's own sync is over.
    const finishRuns = async () => {
      await db.query(`UPDATE sync_runs SET status = 'succeeded', finished_at = now() WHERE repo_id = $1`, [
        repoA,
      ]);
      await db.query(`DELETE FROM pgboss.job WHERE singleton_key = $1`, [repoA]);
    };
    await finishRuns();
    const waiting = async () =>
      (await db.query(`SELECT trigger FROM sync_runs WHERE repo_id = $1 AND status = 'queued'`, [repoA]))
        .rows;
    const all = (await as(octocat).put(path).send({ since: 'all' }).expect(200)).body;
    expect(all).toMatchObject({ since: 'all', effectiveSince: null, canEdit: true });
    // Everything is now in the window: the bounded streams start over and a sync is waiting.
    expect(
      (await db.query(`SELECT stream FROM sync_cursors WHERE repo_id = $1 AND stream = 'issues'`, [repoA]))
        .rows,
    ).toEqual([]);
    expect(await waiting()).toEqual([{ trigger: 'manual' }]);
    await finishRuns();
    // A narrower window keeps what is stored and restarts nothing.
    await db.query(`INSERT INTO sync_cursors (repo_id, stream, state) VALUES ($1, 'issues', '{}')`, [repoA]);
    const day = (await as(octocat).put(path).send({ since: '2026-01-01' }).expect(200)).body;
    expect(day).toMatchObject({ since: '2026-01-01', effectiveSince: '2026-01-01T00:00:00.000Z' });
    expect(
      (await db.query(`SELECT stream FROM sync_cursors WHERE repo_id = $1 AND stream = 'issues'`, [repoA]))
        .rows,
    ).toHaveLength(1);
    expect(await waiting()).toEqual([]);
    expect((await as(monalisa).get(path).expect(200)).body.since).toBe('2026-01-01');
    expect((await as(octocat).put(path).send({ since: null }).expect(200)).body.since).toBeNull();
  });

  it('validates settings with a clear 400 and lets only a maintainer or admin change them', async () => {
    const bad = await as(octocat)
      .put(`${repoPath()}/settings`)
      .send({ deployment: { kind: 'tags', pattern: '' } });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/deployment.pattern must be a tag glob/);
    const wrong = await as(octocat)
      .put(`${repoPath()}/settings`)
      .send({ deployment: { kind: 'ftp' }, extra: 1 });
    expect(wrong.status).toBe(400);
    expect(wrong.body.message).toMatch(/unknown field extra; deployment.kind must be one of/);
    await as(octocat)
      .put(`${repoPath()}/settings`)
      .send('[]')
      .set('Content-Type', 'application/json')
      .expect(400);
    const denied = await as(monalisa)
      .put(`${repoPath()}/settings`)
      .send({ deployment: { kind: 'merges' } });
    expect(denied.status).toBe(403);
    expect(denied.body.code).toBe('permission_denied');
    await h
      .http()
      .put(`/api/v1${repoPath()}/settings`)
      .set('Cookie', withSession(octocat))
      .send({ deployment: { kind: 'merges' } })
      .expect(403);
  });

  it("falls back on the organization's default, then the repository's own rule wins", async () => {
    expect(
      (
        await as(monalisa)
          .put(`/orgs/${ORG}/insights/settings`)
          .send({ deployment: { kind: 'merges' } })
      ).status,
    ).toBe(403);
    const org = await as(octocat)
      .put(`/orgs/${ORG}/insights/settings`)
      .send({ deployment: { kind: 'releases' }, incidents: { labels: ['sev1'] } })
      .expect(200);
    expect(org.body).toEqual({
      source: 'organization',
      effective: {
        deployment: { kind: 'releases', includePrereleases: false },
        incidents: { labels: ['sev1'], reverts: true, failedDeployments: true },
      },
    });
    expect((await as(monalisa).get(`${repoPath()}/settings`).expect(200)).body.source).toBe('organization');

    const own = (
      await as(octocat)
        .put(`${repoPath()}/settings`)
        .send({ deployment: { kind: 'merges' } })
        .expect(200)
    ).body;
    expect(own.source).toBe('repository');
    expect(own.organization.deployment.kind).toBe('releases');
    // The last deployments the rule detects, newest first: each merge into the default branch.
    expect(own.lastDeployments.map((d: { key: string; sha: string | null }) => [d.key, d.sha])).toEqual([
      ['3', null],
      ['2', 's2'],
      ['1', 'm1'],
    ]);
  });

  it('computes the four keys, the cycle and the drill-down of a repository, an organization and a team', async () => {
    const dora = (await as(monalisa).get(`${repoPath()}/dora${PERIOD}`).expect(200)).body;
    expect(dora.repositories).toEqual([
      { fullName: `${ORG}/${nameA}`, rule: { kind: 'merges' }, source: 'repository' },
    ]);
    // Three merges in seven days; lead times from the opening (no first commit is stored for them): 10 h, 24 h, 48 h.
    expect(dora.current.noDeployments).toBe(false);
    expect(dora.current.deploymentFrequency).toEqual({ deployments: 3, perWeek: 3, band: 'high' });
    expect(dora.current.leadTime).toEqual({ medianHours: 24, p75Hours: 36, changes: 3, band: 'high' });
    expect(dora.previous.deploymentFrequency.deployments).toBe(0);
    expect(dora.weekly.length).toBeGreaterThanOrEqual(12);

    const orgDora = (await as(octocat).get(`/orgs/${ORG}/insights/dora${PERIOD}`).expect(200)).body;
    expect(orgDora.current.deploymentFrequency.deployments).toBe(3);
    const teamCycle = (await as(octocat).get(`/orgs/${ORG}/teams/alpha/insights/cycle${PERIOD}`).expect(200))
      .body;
    // The team's pull requests are its member's: #1 and #3.
    expect(teamCycle.current.merged).toBe(2);
    // Reviews are stored: none yet, so every pull request was merged without one.
    expect(teamCycle.reviewsAvailable).toBe(true);
    expect(teamCycle.current.mergedWithoutReview).toBe(2);

    // #1 gets a comment 2 h after its opening and an approval 1 h later; a bot's review never counts.
    await db.query(
      `INSERT INTO pull_request_reviews (repo_id, review_id, pull_number, reviewer_login, reviewer_is_bot, state, submitted_at)
       SELECT p.repo_id, v.id, p.number, v.who, v.bot, v.state, p.created_at + v.after
         FROM pull_requests p,
              (VALUES (7001, 'reviewer-1', false, 'COMMENTED', interval '2 hours'),
                      (7002, 'reviewer-1', false, 'APPROVED', interval '3 hours'),
                      (7003, 'lint-bot', true, 'APPROVED', interval '1 hour')) AS v(id, who, bot, state, after)
        WHERE p.repo_id = (SELECT id FROM repositories WHERE full_name = $1) AND p.number = 1`,
      [`${ORG}/${nameA}`],
    );
    const cycle = (await as(monalisa).get(`${repoPath()}/cycle${PERIOD}`).expect(200)).body;
    expect(cycle.current.merged).toBe(3);
    expect(cycle.current.mergedWithoutReview).toBe(2);
    expect(cycle.current.stages.pickup).toEqual({ medianHours: 2, p75Hours: 2, count: 1 });
    expect(cycle.current.stages.review).toEqual({ medianHours: 1, p75Hours: 1, count: 1 });
    expect(cycle.current.stages.deploy).toEqual({ medianHours: 0, p75Hours: 0, count: 3 });

    const drill = (await as(monalisa).get(`${repoPath()}/drilldown${PERIOD}`).expect(200)).body;
    expect(drill.deployments.map((d: { key: string; pulls: number[] }) => [d.key, d.pulls])).toEqual([
      ['1', [1]],
      ['2', [2]],
      ['3', [3]],
    ]);
    expect(drill.pulls.map((p: { number: number }) => p.number)).toEqual([1, 2, 3]);
  });

  it('exports each drill-down table as CSV, formulas defused', async () => {
    const res = await as(monalisa).get(`${repoPath()}/drilldown${PERIOD}&format=csv&kind=pulls`).expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toBe(`attachment; filename="${ORG}-${nameA}-pulls.csv"`);
    const lines = res.text.trim().split('\r\n');
    expect(lines[0]).toMatch(/^"repository","number","title"/);
    expect(lines).toHaveLength(4);
    expect(lines[3]).toContain(`"'=cmd|calc"`);
    await as(monalisa).get(`${repoPath()}/drilldown${PERIOD}&format=csv`).expect(400);
    await as(monalisa).get(`${repoPath()}/drilldown${PERIOD}&format=xml&kind=pulls`).expect(400);
    await as(monalisa).get(`${repoPath()}/dora?period=custom&from=2026-02-30&to=2026-03-01`).expect(400);
  });

  it('drops the repository rule back to the organization default', async () => {
    await as(monalisa).del(`${repoPath()}/settings`).expect(403);
    expect((await as(octocat).del(`${repoPath()}/settings`).expect(200)).body.source).toBe('organization');
    expect((await as(octocat).del(`/orgs/${ORG}/insights/settings`).expect(200)).body.source).toBe('default');
    expect((await as(monalisa).get(`${repoPath()}/settings`).expect(200)).body.source).toBe('default');
  });

  it('counts GitHub deployments to production as stored by the write model: one containing two merges, a staging one ignored, a failure recovered', async () => {
    // s2 follows m1 on the default branch, so a deployment of s2 ships #1 and #2; #3 has no commit, never deployed.
    await db.query(`UPDATE commits SET parents = '{m1}' WHERE repo_id = $1 AND sha = 's2'`, [repoA]);
    const status = (
      id: number,
      n: number,
      state: DeploymentStatusWrite['state'],
      at: string,
      urls: { environment_url?: string; log_url?: string } = {},
    ) => ({
      node_id: `DS_${id}_${n}`,
      deployment_id: id,
      state,
      description: null,
      environment_url: urls.environment_url ?? null,
      log_url: urls.log_url ?? null,
      creator_login: 'deploy-bot',
      created_at: at,
    });
    const deployment = (id: number, environment: string, created: string) => ({
      deployment_id: id,
      node_id: `D_${id}`,
      environment,
      sha: 's2',
      ref: 'main',
      task: 'deploy',
      description: null,
      creator_login: 'deploy-bot',
      created_at: created,
      updated_at: created,
    });
    await DeploymentsRepository.upsert(
      h.t.app.get<Kysely<DB>>(Kysely),
      repoA,
      [
        deployment(901, 'staging', '2026-01-07T01:00:00Z'),
        deployment(902, 'Production', '2026-01-07T02:00:00Z'),
        deployment(903, 'production', '2026-01-08T00:00:00Z'),
        deployment(904, 'production', '2026-01-08T03:00:00Z'),
      ],
      [
        status(901, 1, 'success', '2026-01-07T01:10:00Z'),
        // Statuses in any order: the latest is found by time.
        status(902, 2, 'success', '2026-01-07T02:30:00Z', { environment_url: 'https://app.example.com' }),
        status(902, 1, 'in_progress', '2026-01-07T02:05:00Z', { log_url: 'https://ci.example.com/902' }),
        status(903, 1, 'failure', '2026-01-08T00:10:00Z', { log_url: 'https://ci.example.com/903' }),
        status(904, 1, 'success', '2026-01-08T03:10:00Z'),
      ],
    );
    const stored = await db.query(
      `SELECT deployment_id::int AS id, latest_state FROM deployments WHERE repo_id = $1 ORDER BY 1`,
      [repoA],
    );
    expect(stored.rows).toEqual([
      { id: 901, latest_state: 'success' },
      { id: 902, latest_state: 'success' },
      { id: 903, latest_state: 'failure' },
      { id: 904, latest_state: 'success' },
    ]);

    const settings = (await as(monalisa).get(`${repoPath()}/settings`).expect(200)).body;
    expect(settings.lastDeployments.map((d: { key: string; status: string }) => [d.key, d.status])).toEqual([
      ['904', 'success'],
      ['903', 'failure'],
      ['902', 'success'],
    ]);
    const dora = (await as(monalisa).get(`${repoPath()}/dora${PERIOD}`).expect(200)).body;
    expect(dora.current.noDeployments).toBe(false);
    expect(dora.current.deploymentFrequency).toMatchObject({ deployments: 2, perWeek: 2 });
    // #1 opened 01-05 01:00 and #2 opened 01-06 00:00, both first deployed 01-07 02:30: 49.5 h and 26.5 h.
    expect(dora.current.leadTime).toMatchObject({ changes: 2, medianHours: 38 });
    expect(dora.current.changeFailureRate).toMatchObject({ failed: 1, deployments: 3 });
    // The failed deployment (00:10) is recovered by the next success (03:10).
    expect(dora.current.recoveryTime).toMatchObject({ medianHours: 3, recovered: 1, open: 0 });
    const drill = (await as(monalisa).get(`${repoPath()}/drilldown${PERIOD}`).expect(200)).body;
    // A deployment links to the newest of its statuses that names a page (the environment, else the log).
    expect(
      drill.deployments.map((d: { key: string; pulls: number[]; url: string | null }) => [
        d.key,
        d.pulls,
        d.url,
      ]),
    ).toEqual([
      ['902', [1, 2], 'https://app.example.com'],
      ['903', [], 'https://ci.example.com/903'],
      ['904', [], null],
    ]);
  });

  it('reuses a computed page until something it is computed from changes, and never serves it stale', async () => {
    const facts = jest.spyOn(h.t.app.get(InsightsRepository), 'facts');
    try {
      const dora = async (session: string) =>
        (await as(session).get(`/orgs/${ORG}/insights/dora${PERIOD}`).expect(200)).body;
      const first = await dora(octocat);
      expect(first.current.deploymentFrequency.deployments).toBe(2);
      const readsAfterFirst = facts.mock.calls.length;
      // Nothing changed: computed once, whoever asks with the same repositories in view.
      expect(await dora(octocat)).toEqual(first);
      expect(await dora(monalisa)).toEqual(first);
      expect(facts.mock.calls.length).toBe(readsAfterFirst);

      // A new production deployment (write model), then its status turned to failure (plain SQL): each counts.
      await deployToProduction(repoA, 905, '2026-01-09T00:00:00Z', '2026-01-09T00:10:00Z');
      const afterDeploy = await dora(octocat);
      expect(afterDeploy.current.deploymentFrequency.deployments).toBe(3);
      expect(facts.mock.calls.length).toBe(readsAfterFirst + 1);
      await db.query(
        `UPDATE deployment_statuses SET state = 'failure' WHERE repo_id = $1 AND deployment_id = 905`,
        [repoA],
      );
      const afterFailure = await dora(monalisa);
      expect(afterFailure.current.deploymentFrequency.deployments).toBe(2);
      expect(afterFailure.current.changeFailureRate).toMatchObject({ failed: 2, deployments: 4 });
      expect(facts.mock.calls.length).toBe(readsAfterFirst + 2);
    } finally {
      facts.mockRestore();
    }

    // Every table insights read queues its changes, on insert, update and delete.
    const { rows } = await db.query<{ name: string }>(
      `SELECT tgname AS name FROM pg_trigger WHERE tgname LIKE '%\\_fact\\_%' AND NOT tgisinternal`,
    );
    expect(rows.map((r) => r.name).sort()).toEqual(
      [
        ...FACT_TABLES.flatMap((t) => ['delete', 'insert', 'update'].map((op) => `${t}_fact_${op}`)),
        'repositories_fact_changed',
      ].sort(),
    );
  });

  it("reads only the source the rule in force detects deployments in, and finds each rule's deployments there", async () => {
    const store = h.t.app.get(InsightsRepository) as unknown as Record<
      string,
      (...args: unknown[]) => unknown
    >;
    const sources = ['deployments', 'releases', 'tags', 'workflowRuns'] as const;
    const spies = sources.map((name) => jest.spyOn(store, name));
    const at = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString();
    try {
      const branch = (
        await db.query<{ b: string }>('SELECT default_branch AS b FROM repositories WHERE id = $1', [repoA])
      ).rows[0]!.b;
      // One deployment in each source, two days ago, shipping s2.
      await db.query(
        `INSERT INTO releases (repo_id, release_id, tag_name, sha, created_at, published_at)
         VALUES ($1, 7001, 'v9.0', 's2', $2, $2)`,
        [repoA, at(2)],
      );
      await db.query(`INSERT INTO tags (repo_id, name, sha, seen_at) VALUES ($1, 'deploy-1', 's2', $2)`, [
        repoA,
        at(2),
      ]);
      await db.query(
        `INSERT INTO workflow_runs (repo_id, run_id, name, head_branch, head_sha, status, conclusion, created_at, updated_at)
         VALUES ($1, 8001, 'Deploy', $2, 's2', 'completed', 'success', $3, $3)`,
        [repoA, branch, at(2)],
      );
      await db.query(
        `INSERT INTO deployments (repo_id, deployment_id, environment, sha, created_at) VALUES ($1, 906, 'production', 's2', $2)`,
        [repoA, at(2)],
      );
      await db.query(
        `INSERT INTO deployment_statuses (repo_id, node_id, deployment_id, state, created_at)
         VALUES ($1, 'DS_906_1', 906, 'success', $2)`,
        [repoA, at(2)],
      );

      const rules: Array<[Record<string, unknown>, (typeof sources)[number] | null, string]> = [
        [{ kind: 'releases' }, 'releases', 'v9.0'],
        [{ kind: 'tags', pattern: 'deploy-*' }, 'tags', 'deploy-1'],
        [{ kind: 'workflow', workflowName: 'Deploy' }, 'workflowRuns', '8001'],
        [{ kind: 'deployments', environments: ['production'] }, 'deployments', '906'],
        [{ kind: 'merges' }, null, '3'],
      ];
      for (const [deployment, source, newest] of rules) {
        for (const spy of spies) spy.mockClear();
        const body = (await as(octocat).put(`${repoPath()}/settings`).send({ deployment }).expect(200)).body;
        expect([deployment.kind, body.lastDeployments[0]?.key]).toEqual([deployment.kind, newest]);
        const read = sources.filter((_, i) => spies[i]!.mock.calls.length > 0);
        expect([deployment.kind, read]).toEqual([deployment.kind, source ? [source] : []]);
      }
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    await as(octocat).del(`${repoPath()}/settings`).expect(200);
  });

  it("after a change to one of an organization's repositories, reads and analyses that one again, not the others", async () => {
    await h.sim.world.createRepo({ owner: ORG, name: 'second-service' });
    const repoB = (await as(octocat).post(`/repos/${ORG}/second-service/track`).expect(201)).body.id;
    const facts = jest.spyOn(h.t.app.get(InsightsRepository), 'facts');
    const read = () => facts.mock.calls.map(([repos]) => repos.map((r) => r.id).sort());
    const page = async (kind: 'dora' | 'cycle' | 'drilldown') =>
      (await as(octocat).get(`/orgs/${ORG}/insights/${kind}${PERIOD}`).expect(200)).body;
    const deployments = async () => (await page('dora')).current.deploymentFrequency.deployments;
    try {
      const dora = (await page('dora')).current;
      const before = dora.deploymentFrequency.deployments;
      const cycle = (await page('cycle')).current;
      facts.mockClear();
      // The drill-down keeps no page of its own: it reuses both repositories' analyses.
      expect((await page('drilldown')).deployments).toHaveLength(dora.changeFailureRate.deployments);
      expect(read()).toEqual([]);

      await deployToProduction(repoB, 920, '2026-01-08T00:00:00Z');
      expect(await deployments()).toBe(before + 1);
      expect(read()).toEqual([[repoB]]);
      // The cycle page over the same repositories reads nothing more: repoB's new analysis is shared.
      expect((await page('cycle')).current).toEqual(cycle);
      expect(read()).toEqual([[repoB]]);

      await deployToProduction(repoA, 921, '2026-01-09T12:00:00Z');
      expect(await deployments()).toBe(before + 2);
      expect(read()).toEqual([[repoB], [repoA]]);
    } finally {
      facts.mockRestore();
    }
  });
  it("times a squash-merged pull request's coding from its first commit as GitHub lists it, once the sync stored it", async () => {
    const coding = async () =>
      (await as(monalisa).get(`${repoPath()}/cycle${PERIOD}`).expect(200)).body.current.stages.coding;
    // #2 was squash-merged (s2 has no second parent): nothing to read its first commit from.
    expect(await coding()).toEqual({ medianHours: null, p75Hours: null, count: 0 });
    await db.query(
      `UPDATE pull_requests SET first_commit_at = created_at - interval '5 hours' WHERE repo_id = $1 AND number = 2`,
      [repoA],
    );
    try {
      expect(await coding()).toEqual({ medianHours: 5, p75Hours: 5, count: 1 });
    } finally {
      await db.query(`UPDATE pull_requests SET first_commit_at = NULL WHERE repo_id = $1`, [repoA]);
    }
  });

  it("reads the default branch's commits as stored: every parent, times to the millisecond, the first line", async () => {
    await db.query(
      `INSERT INTO commits (repo_id, sha, message, author_name, author_email, authored_at, committer_name,
         committer_email, committed_at, additions, deletions, changed_files, parents, html_url)
       VALUES ($1, 'f3', $2, 'A', 'a@example.com', '2025-12-31T23:59:59.999999Z', 'C', 'c@example.com',
               '2026-01-08T10:20:30.123456Z', 0, 0, 0, '{s2,m1}', 'https://example.test/commit/f3')`,
      [repoA, 'Third change\n\nits body'],
    );
    await db.query(`INSERT INTO branch_commits (repo_id, branch, sha) VALUES ($1, 'main', 'f3')`, [repoA]);
    try {
      const store = h.t.app.get(InsightsRepository);
      const [repo] = await store.reposByIds([repoA]);
      const facts = await store.facts([repo!], new Date('2026-01-01T00:00:00Z'), () => 'merges');
      const commits = facts.get(repoA)?.commits ?? [];
      expect(commits.find((c) => c.sha === 'f3')).toEqual({
        sha: 'f3',
        parents: ['s2', 'm1'],
        committedAt: new Date('2026-01-08T10:20:30.123Z'),
        authoredAt: new Date('2025-12-31T23:59:59.999Z'),
        message: 'Third change',
      });
      expect(commits.find((c) => c.sha === 'm1')).toMatchObject({
        parents: [],
        message: `Merge pull request #1 from ${ORG}/one`,
      });
    } finally {
      await db.query(`DELETE FROM branch_commits WHERE repo_id = $1 AND sha = 'f3'`, [repoA]);
      await db.query(`DELETE FROM commits WHERE repo_id = $1 AND sha = 'f3'`, [repoA]);
    }
  });

  it('reads every other time of the facts as the driver read timestamps: to the millisecond, unset ones empty', async () => {
    const micro = '2026-01-08T10:20:30.999999Z';
    await db.query(
      `INSERT INTO deployments (repo_id, deployment_id, environment, sha, created_at) VALUES ($1, 907, 'production', 's2', $2)`,
      [repoA, micro],
    );
    await db.query(
      `INSERT INTO deployment_statuses (repo_id, node_id, deployment_id, state, created_at)
       VALUES ($1, 'DS_907_1', 907, 'in_progress', $2), ($1, 'DS_907_2', 907, 'success', '2026-01-08T11:00:00.000001Z')`,
      [repoA, micro],
    );
    await db.query(
      `INSERT INTO releases (repo_id, release_id, tag_name, sha, created_at, published_at, draft)
       VALUES ($1, 7002, 'v9.1', 's2', $2, NULL, true)`,
      [repoA, micro],
    );
    await db.query(
      `INSERT INTO issues (repo_id, number, title, state, created_at, updated_at, closed_at)
       VALUES ($1, 9001, 'open one', 'open', $2, $2, NULL), ($1, 9002, 'closed one', 'closed', $2, $2, $2)`,
      [repoA, micro],
    );
    await db.query(
      `INSERT INTO pull_request_reviews (repo_id, review_id, pull_number, reviewer_login, reviewer_is_bot, state, submitted_at)
       SELECT repo_id, 7101, number, 'reviewer-2', false, 'COMMENTED', $2 FROM pull_requests
        WHERE repo_id = $1 AND merged_at IS NOT NULL ORDER BY merged_at LIMIT 1`,
      [repoA, micro],
    );
    try {
      const store = h.t.app.get(InsightsRepository);
      const [repo] = await store.reposByIds([repoA]);
      const since = new Date('2000-01-01T00:00:00Z');
      const read = async (kind: 'deployments' | 'releases') =>
        (await store.facts([repo!], since, () => kind)).get(repoA)!;
      const iso = (t: Date | null) => t?.toISOString() ?? null;
      const expected = async (text: string) =>
        (await db.query(text, [repoA])).rows.map((r: Record<string, unknown>) =>
          Object.values(r).map((v) => (v instanceof Date ? v.toISOString() : v)),
        );

      const facts = await read('deployments');
      const d907 = facts.deployments.find((d) => d.id === '907');
      expect([iso(d907?.createdAt ?? null), d907?.statuses.map((s) => iso(s.at))]).toEqual([
        '2026-01-08T10:20:30.999Z',
        ['2026-01-08T10:20:30.999Z', '2026-01-08T11:00:00.000Z'],
      ]);
      expect(
        facts.issues.filter((i) => i.number > 9000).map((i) => [i.number, iso(i.createdAt), iso(i.closedAt)]),
      ).toEqual([
        [9001, '2026-01-08T10:20:30.999Z', null],
        [9002, '2026-01-08T10:20:30.999Z', '2026-01-08T10:20:30.999Z'],
      ]);
      // Every stored pull request and review, against the driver's own reading of the same rows.
      expect(
        facts.pulls.map((p) => [p.number, iso(p.createdAt), iso(p.mergedAt), iso(p.firstCommitAt)]),
      ).toEqual(
        await expected(
          `SELECT number, created_at, merged_at, first_commit_at FROM pull_requests
            WHERE repo_id = $1 AND merged_at IS NOT NULL ORDER BY merged_at`,
        ),
      );
      const reviews = facts.pulls.flatMap((p) =>
        (p.reviews ?? []).map((v) => [p.number, iso(v.submittedAt)]),
      );
      expect(reviews.filter(([, at]) => at === '2026-01-08T10:20:30.999Z')).toHaveLength(1);
      expect(reviews.sort()).toEqual(
        (
          await expected(
            `SELECT pull_number, submitted_at FROM pull_request_reviews WHERE repo_id = $1
              AND pull_number IN (SELECT number FROM pull_requests WHERE repo_id = $1 AND merged_at IS NOT NULL)`,
          )
        ).sort(),
      );
      const release = (await read('releases')).releases.find((r) => r.tagName === 'v9.1');
      expect([iso(release?.createdAt ?? null), release?.publishedAt]).toEqual([
        '2026-01-08T10:20:30.999Z',
        null,
      ]);
    } finally {
      await db.query(`DELETE FROM deployment_statuses WHERE repo_id = $1 AND deployment_id = 907`, [repoA]);
      await db.query(`DELETE FROM deployments WHERE repo_id = $1 AND deployment_id = 907`, [repoA]);
      await db.query(`DELETE FROM releases WHERE repo_id = $1 AND release_id = 7002`, [repoA]);
      await db.query(`DELETE FROM issues WHERE repo_id = $1 AND number > 9000`, [repoA]);
      await db.query(`DELETE FROM pull_request_reviews WHERE repo_id = $1 AND review_id = 7101`, [repoA]);
    }
  });
});
