import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import { OrgSyncService } from '../src/teams/org-sync.service';
import { TeamsReadRepository } from '../src/teams/teams-read.repository';
import { CSRF, startAuthHarness, withSession, type AuthHarness } from './support/auth-harness';
import { seedActivity, seedCommits, seedPulls, type SeedCommit } from './support/seed-repo-data';
import { Db, GLOBAL_SECRET, postWebhook, waitForInboxIdle } from './webhooks-support';

const ORG = 'acme-corp';
// The fixture's weeks: the custom period is Monday 2026-01-05 to Sunday 2026-01-11; the previous one the week before.
const PERIOD = '?period=custom&from=2026-01-05&to=2026-01-11';

/** Collects the simulator's webhook deliveries (an App installed on the organization posts them here). */
async function deliveryCollector() {
  const received: Array<{ event: string; body: string }> = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        event: String(req.headers['x-github-event']),
        body: Buffer.concat(chunks).toString('utf8'),
      });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Organization and team pages on the real API, Postgres and the GitHub simulator: membership read from GitHub,
 * access (members only, readable repositories only), figures checked against a hand-computed fixture, bots, and
 * membership changes arriving by webhook.
 */
describe('organization, team and person pages', () => {
  let h: AuthHarness;
  let db: Client;
  let apiUrl: string;
  let octocat: string; // admin of acme-corp; tracks both repositories
  let monalisa: string; // member; tracks only the first repository
  let hubot: string; // not a member
  let repoA: string;
  let repoB: string;
  let nameA: string;
  let nameB: string;
  // Three members of acme-corp with work in the fixture.
  let dev1: string;
  let dev2: string;
  let dev3: string;

  const as = (session: string) => ({
    get: (path: string) => h.http().get(`/api/v1${path}`).set('Cookie', withSession(session)),
    post: (path: string) => h.http().post(`/api/v1${path}`).set('Cookie', withSession(session)).set(CSRF),
    delete: (path: string) => h.http().delete(`/api/v1${path}`).set('Cookie', withSession(session)).set(CSRF),
  });
  const sync = () => h.t.app.get(OrgSyncService).syncOrg(ORG);

  beforeAll(async () => {
    h = await startAuthHarness({
      sim: { sizes: { reposPerOwner: 2, commitsPerRepo: 3, pullsPerRepo: 0, issuesPerRepo: 0 } },
      env: { WEBHOOK_SECRET: GLOBAL_SECRET, BOT_LOGINS: 'release-robot' },
    });
    await h.t.app.listen(0, '127.0.0.1');
    apiUrl = `http://127.0.0.1:${(h.t.app.getHttpServer().address() as AddressInfo).port}`;
    db = new Client({ connectionString: h.t.db.url });
    await db.connect();
    const w = h.sim.world;
    const org = w.org(ORG)!;
    const others = [...w.users.values()].filter((u) => !['octocat', 'hubot', 'monalisa'].includes(u.login));
    [dev1, dev2, dev3] = others.slice(0, 3).map((u) => u.login) as [string, string, string];
    for (const login of [dev1, dev2, dev3, 'monalisa'])
      w.setOrgMembership({ org: ORG, login, role: 'member' });
    w.setOrgMembership({ org: ORG, login: 'hubot', role: null });
    // Teams of the fixture: dev1 in Alpha and Beta; dev2 in Beta; dev3 in Beta Kids, nested under Beta.
    w.createTeam({ org: ORG, name: 'Alpha' });
    w.createTeam({ org: ORG, name: 'Beta' });
    w.createTeam({ org: ORG, name: 'Beta Kids', parent: 'beta' });
    w.setTeamMembership({ org: ORG, team: 'alpha', login: dev1, role: 'member' });
    w.setTeamMembership({ org: ORG, team: 'beta', login: dev1, role: 'maintainer' });
    w.setTeamMembership({ org: ORG, team: 'beta', login: dev2, role: 'member' });
    w.setTeamMembership({ org: ORG, team: 'beta-kids', login: dev3, role: 'member' });
    const repos = [...w.repos.values()].filter((r) => r.ownerType === 'Organization' && r.ownerId === org.id);
    [nameA, nameB] = repos.slice(0, 2).map((r) => r.name) as [string, string];
    w.setTeamRepo({ org: ORG, team: 'alpha', repo: nameA, permission: 'push' });
    await w.settled();

    ({ session: octocat } = await h.signIn('octocat'));
    ({ session: monalisa } = await h.signIn('monalisa'));
    ({ session: hubot } = await h.signIn('hubot'));
    repoA = (await as(octocat).post(`/repos/${ORG}/${nameA}/track`).expect(201)).body.id;
    repoB = (await as(octocat).post(`/repos/${ORG}/${nameB}/track`).expect(201)).body.id;
    await as(monalisa).post(`/repos/${ORG}/${nameA}/track`).expect(201);
    // The generated history lies outside the fixture's weeks only if none is there: clear it.
    await db.query('DELETE FROM commits WHERE repo_id = ANY($1)', [[repoA, repoB]]);
    await db.query('DELETE FROM pull_requests WHERE repo_id = ANY($1)', [[repoA, repoB]]);

    const c = (sha: string, authorLogin: string, committedAt: string): SeedCommit => ({
      sha,
      message: `work ${sha}`,
      authorLogin,
      committedAt,
    });
    // Each seeded commit adds 1 line and deletes 2.
    await seedCommits(db, repoA, [
      c('a1', dev1, '2026-01-05T09:00:00Z'),
      c('a2', dev1, '2026-01-06T09:00:00Z'),
      c('a3', dev2, '2026-01-07T09:00:00Z'),
      c('a4', 'dependabot[bot]', '2026-01-08T09:00:00Z'),
      c('a5', 'release-robot', '2026-01-08T10:00:00Z'),
      c('a6', dev3, '2026-01-09T09:00:00Z'),
      c('a0', dev1, '2025-12-30T09:00:00Z'),
    ]);
    await seedCommits(db, repoB, [
      c('b1', dev2, '2026-01-06T10:00:00Z'),
      c('b2', dev2, '2026-01-06T11:00:00Z'),
      c('b3', dev2, '2026-01-06T12:00:00Z'),
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
        author: dev2,
        createdAt: '2026-01-06T00:00:00Z',
        updatedAt: '2026-01-07T00:00:00Z',
        mergedAt: '2026-01-07T00:00:00Z',
      },
      {
        number: 3,
        state: 'merged',
        author: dev1,
        createdAt: '2026-01-07T00:00:00Z',
        updatedAt: '2026-01-09T00:00:00Z',
        mergedAt: '2026-01-09T00:00:00Z',
      },
      {
        number: 4,
        state: 'merged',
        author: 'dependabot[bot]',
        createdAt: '2026-01-08T00:00:00Z',
        updatedAt: '2026-01-08T01:00:00Z',
        mergedAt: '2026-01-08T01:00:00Z',
      },
      {
        number: 5,
        state: 'open',
        author: dev2,
        createdAt: '2026-01-09T00:00:00Z',
        updatedAt: '2026-01-09T00:00:00Z',
      },
      {
        number: 6,
        state: 'merged',
        author: dev1,
        createdAt: '2025-12-30T00:00:00Z',
        updatedAt: '2025-12-31T00:00:00Z',
        mergedAt: '2025-12-31T00:00:00Z',
      },
    ]);
    expect(await sync()).toBe('synced');
  });
  afterAll(async () => {
    await db?.end();
    await h?.close();
  });

  describe('access', () => {
    it('answers 404 (not 403) to someone outside the organization, for the organization and its teams', async () => {
      for (const path of [`/orgs/${ORG}`, `/orgs/${ORG}/teams/alpha`, `/orgs/${ORG}/teams/beta-kids`]) {
        const res = await as(hubot).get(path).expect(404);
        expect(res.body.code).toMatch(/^(org|team)_not_found$/);
      }
      // The same answer as for an organization that does not exist.
      expect((await as(octocat).get('/orgs/no-such-org').expect(404)).body.code).toBe('org_not_found');
      expect((await as(octocat).get(`/orgs/${ORG}/teams/no-such-team`).expect(404)).body.code).toBe(
        'team_not_found',
      );
    });

    it('shows a member figures only over the repositories they may read', async () => {
      const all = (await as(octocat).get(`/orgs/${ORG}${PERIOD}`).expect(200)).body;
      const mine = (await as(monalisa).get(`/orgs/${ORG}${PERIOD}`).expect(200)).body;
      expect(all.repositories).toBe(2);
      expect(mine.repositories).toBe(1);
      expect(all.figures.current.commits).toBe(7);
      expect(mine.figures.current.commits).toBe(4);
      expect(mine.mostActiveRepositories.map((r: { fullName: string }) => r.fullName)).toEqual([
        `${ORG}/${nameA}`,
      ]);
    });

    it('lists the viewer’s organizations and teams for the navigation', async () => {
      const orgs = (await as(monalisa).get('/orgs').expect(200)).body as Array<{
        login: string;
        teams: Array<{ slug: string; parentSlug: string | null }>;
      }>;
      const acme = orgs.find((o) => o.login === ORG);
      expect(acme?.teams).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ slug: 'alpha', parentSlug: null }),
          expect.objectContaining({ slug: 'beta-kids', parentSlug: 'beta' }),
        ]),
      );
      expect(
        (await as(hubot).get('/orgs').expect(200)).body.map((o: { login: string }) => o.login),
      ).not.toContain(ORG);
    });
  });

  describe('figures', () => {
    it('match the hand-computed fixture, next to the previous period’s', async () => {
      const page = (await as(octocat).get(`/orgs/${ORG}${PERIOD}`).expect(200)).body;
      expect(page.period).toEqual({
        kind: 'custom',
        current: { from: '2026-01-05T00:00:00.000Z', to: '2026-01-12T00:00:00.000Z' },
        previous: { from: '2025-12-29T00:00:00.000Z', to: '2026-01-05T00:00:00.000Z' },
      });
      expect(page.figures).toEqual({
        current: {
          commits: 7,
          linesAdded: 7,
          linesDeleted: 14,
          pullsOpened: 4,
          pullsMerged: 3,
          // 10 h, 24 h and 48 h: the median, and the 75th percentile interpolated between 24 and 48.
          cycleTimeMedianHours: 24,
          cycleTimeP75Hours: 36,
          activeContributors: 3,
        },
        previous: {
          commits: 1,
          linesAdded: 1,
          linesDeleted: 2,
          pullsOpened: 1,
          pullsMerged: 1,
          cycleTimeMedianHours: 24,
          cycleTimeP75Hours: 24,
          activeContributors: 1,
        },
      });
      // #5 is open without a review at the period's end, three days after it was opened.
      expect(page.reviewQueue).toEqual({
        current: { waiting: 1, medianWaitingHours: 72, longestWaitingHours: 72 },
        previous: { waiting: 0, medianWaitingHours: null, longestWaitingHours: null },
      });
      expect(page.mostActiveRepositories).toEqual([
        { fullName: `${ORG}/${nameA}`, commits: 4, linesChanged: 12, pullsOpened: 4, pullsMerged: 3 },
        { fullName: `${ORG}/${nameB}`, commits: 3, linesChanged: 9, pullsOpened: 0, pullsMerged: 0 },
      ]);
      const weeks = page.weekly as Array<{ weekStart: string; commits: number; pullsMerged: number }>;
      expect(weeks.length).toBeGreaterThanOrEqual(12);
      expect(weeks.at(-1)).toMatchObject({
        weekStart: '2026-01-05T00:00:00.000Z',
        commits: 7,
        pullsMerged: 3,
      });
      expect(weeks.at(-2)).toMatchObject({
        weekStart: '2025-12-29T00:00:00.000Z',
        commits: 1,
        pullsMerged: 1,
      });
    });

    it('match the fixture for days that are not whole weeks, for every viewer', async () => {
      // Tuesday to Thursday; the previous period is Saturday to Monday.
      const days = '?period=custom&from=2026-01-06&to=2026-01-08';
      const page = (await as(octocat).get(`/orgs/${ORG}${days}`).expect(200)).body;
      expect(page.figures).toEqual({
        current: {
          commits: 5, // a2, a3, b1, b2, b3 (a4 and a5 are bots')
          linesAdded: 5,
          linesDeleted: 10,
          pullsOpened: 2, // #2, #3
          pullsMerged: 1, // #2, after 24 h
          cycleTimeMedianHours: 24,
          cycleTimeP75Hours: 24,
          activeContributors: 2,
        },
        previous: {
          commits: 1, // a1
          linesAdded: 1,
          linesDeleted: 2,
          pullsOpened: 1, // #1, merged after 10 h
          pullsMerged: 1,
          cycleTimeMedianHours: 10,
          cycleTimeP75Hours: 10,
          activeContributors: 1,
        },
      });
      expect(page.mostActiveRepositories).toEqual([
        // Ranked by commits and pull requests opened and merged: 5 against 3.
        { fullName: `${ORG}/${nameA}`, commits: 2, linesChanged: 6, pullsOpened: 2, pullsMerged: 1 },
        { fullName: `${ORG}/${nameB}`, commits: 3, linesChanged: 9, pullsOpened: 0, pullsMerged: 0 },
      ]);
      // monalisa reads the first repository only: its days alone.
      const mine = (await as(monalisa).get(`/orgs/${ORG}${days}`).expect(200)).body;
      expect(mine.figures.current).toMatchObject({ commits: 2, pullsOpened: 2, activeContributors: 2 });
      const beta = (await as(octocat).get(`/orgs/${ORG}/teams/beta-kids${days}`).expect(200)).body;
      expect(beta.figures.current).toMatchObject({ commits: 0, activeContributors: 0 });
    });

    // While a period is under way the previous one is compared only as far as this one has run (period.util):
    // its counts up to the end of that day (they are kept by day), its cycle times up to the minute.
    it('compare a previous period cut short by day for the counts and by the minute for cycle times', async () => {
      const read = h.t.app.get(TeamsReadRepository);
      const { rows } = await db.query(`SELECT github_host FROM repositories WHERE id = $1`, [repoA]);
      const scope = {
        githubHost: rows[0].github_host as string,
        owner: ORG,
        repoIds: [repoA, repoB],
        authors: null,
        includeBots: false,
        botLogins: ['release-robot'],
      };
      // As a page does first: folds the rollups' pending changes in.
      await read.pageFingerprint(scope.githubHost, scope.repoIds);
      const at = (iso: string) => new Date(iso);
      const week = { from: at('2026-01-05T00:00:00Z'), to: at('2026-01-12T00:00:00Z') };
      const figures = async (current: typeof week, previousFrom: string, previousTo: string) => {
        const out = await read.figures(scope, current, { from: at(previousFrom), to: at(previousTo) });
        return {
          current: out.find((r) => r.current),
          previous: out.find((r) => !r.current),
        };
      };
      const full = await figures(week, '2025-12-29T00:00:00Z', '2026-01-05T00:00:00Z');
      expect(full.previous).toMatchObject({
        commits: 1,
        pullsOpened: 1,
        pullsMerged: 1,
        cycleTimeMedianHours: 24,
      });

      // Tuesday 08:00: a0 (Tuesday 09:00) and #6 (opened Tuesday) count, #6's merge on Wednesday does not.
      const tuesday = await figures(week, '2025-12-29T00:00:00Z', '2025-12-30T08:00:00Z');
      expect(tuesday.current).toEqual(full.current);
      expect(tuesday.previous).toMatchObject({
        commits: 1,
        linesAdded: 1,
        linesDeleted: 2,
        pullsOpened: 1,
        pullsMerged: 0,
        cycleTimeMedianHours: null,
        activeContributors: 1,
      });
      // Monday noon: nothing yet.
      expect((await figures(week, '2025-12-29T00:00:00Z', '2025-12-29T12:00:00Z')).previous).toMatchObject({
        commits: 0,
        pullsOpened: 0,
        pullsMerged: 0,
        cycleTimeMedianHours: null,
        activeContributors: 0,
      });
      // Two weeks: the previous period's whole week by the owner's weeks, the rest by days; the same answer.
      const twoWeeks = { from: week.from, to: at('2026-01-19T00:00:00Z') };
      expect((await figures(twoWeeks, '2025-12-22T00:00:00Z', '2025-12-30T08:00:00Z')).previous).toEqual(
        tuesday.previous,
      );
      // Cut on a Sunday: its counts end at the Monday after, a whole week; a0 (Tuesday) is not in it.
      expect(
        (await figures(twoWeeks, '2025-12-22T00:00:00Z', '2025-12-28T12:00:00Z')).previous,
      ).toMatchObject({
        commits: 0,
        pullsOpened: 0,
        activeContributors: 0,
      });
    });

    it('count a person in two teams once in the organization’s figures', async () => {
      const org = (await as(octocat).get(`/orgs/${ORG}${PERIOD}`).expect(200)).body;
      const alpha = (await as(octocat).get(`/orgs/${ORG}/teams/alpha${PERIOD}`).expect(200)).body;
      const beta = (await as(octocat).get(`/orgs/${ORG}/teams/beta${PERIOD}`).expect(200)).body;
      // dev1 works in both teams: each team counts their 2 commits, the organization counts them once.
      expect(alpha.figures.current).toMatchObject({
        commits: 2,
        pullsOpened: 2,
        pullsMerged: 2,
        activeContributors: 1,
      });
      expect(beta.figures.current).toMatchObject({ commits: 7, activeContributors: 3 });
      expect(org.figures.current.activeContributors).toBe(3);
      expect(org.figures.current.commits).toBe(7);
    });

    it('give a team its child teams’ members and work, and list its members once each', async () => {
      const beta = (await as(octocat).get(`/orgs/${ORG}/teams/beta${PERIOD}`).expect(200)).body;
      expect(beta.childTeams.map((t: { slug: string }) => t.slug)).toEqual(['beta-kids']);
      expect(beta.members.map((m: { login: string }) => m.login).sort()).toEqual([dev1, dev2, dev3].sort());
      // The counts of the organization's team list agree with the pages: Beta has dev3 through Beta Kids.
      const org = (await as(octocat).get(`/orgs/${ORG}${PERIOD}`).expect(200)).body;
      const count = (slug: string) => org.teams.find((t: { slug: string }) => t.slug === slug)?.members;
      expect([count('alpha'), count('beta'), count('beta-kids')]).toEqual([1, 3, 1]);
      expect(beta.team.members).toBe(3);
      const alpha = (await as(octocat).get(`/orgs/${ORG}/teams/alpha${PERIOD}`).expect(200)).body;
      expect(alpha.teamRepositories).toEqual([`${ORG}/${nameA}`]);
    });

    it('leave bots out by default, and count them with includeBots=true', async () => {
      const without = (await as(octocat).get(`/orgs/${ORG}${PERIOD}`).expect(200)).body;
      const withBots = (await as(octocat).get(`/orgs/${ORG}${PERIOD}&includeBots=true`).expect(200)).body;
      expect(without.includeBots).toBe(false);
      expect(withBots.includeBots).toBe(true);
      // dependabot[bot] (a [bot] login) and release-robot (BOT_LOGINS): one commit each, and dependabot's 1 h pull request.
      expect(withBots.figures.current).toMatchObject({
        commits: 9,
        pullsOpened: 5,
        pullsMerged: 4,
        cycleTimeMedianHours: 17,
        activeContributors: 5,
      });
      expect(without.figures.current).toMatchObject({ commits: 7, activeContributors: 3 });
    });

    it.each([
      ['?period=fortnight', 'period must be one of week, 4w, quarter, custom'],
      ['?period=custom&from=2026-01-05', 'period=custom needs both from and to (YYYY-MM-DD)'],
      ['?period=custom&from=2026-02-30&to=2026-03-02', 'from must be a date as YYYY-MM-DD'],
      ['?period=custom&from=2026-01-10&to=2026-01-01', 'to must not be before from'],
      ['?period=week&from=2026-01-01', 'from and to are only allowed with period=custom'],
      ['?includeBots=maybe', 'includeBots must be true or false'],
    ])('answer 400 with a clear message for %s', async (query, message) => {
      const res = await as(octocat).get(`/orgs/${ORG}${query}`).expect(400);
      expect(res.body.code).toBe('validation_failed');
      expect([res.body.message].flat().join('; ')).toContain(message);
    });

    it('serve the preset periods (this week, 4 weeks, a quarter)', async () => {
      for (const period of ['week', '4w', 'quarter']) {
        const page = (await as(octocat).get(`/orgs/${ORG}?period=${period}`).expect(200)).body;
        expect(page.period.kind).toBe(period);
        // Under way: the period before is as long, and compared as far as this one has run.
        const { current, previous } = page.period;
        expect(Date.parse(current.from) - Date.parse(previous.from)).toBe(
          Date.parse(current.to) - Date.parse(current.from),
        );
        const ran = Date.parse(previous.to) - Date.parse(previous.from);
        expect(Date.now() - Date.parse(current.from) - ran).toBeGreaterThanOrEqual(0);
        expect(Date.now() - Date.parse(current.from) - ran).toBeLessThan(15 * 60_000 + 60_000);
      }
    });

    it('are computed again, never served stale, when a commit lands or an account turns out to be a bot', async () => {
      const org = async () =>
        (await as(octocat).get(`/orgs/${ORG}${PERIOD}`).expect(200)).body.figures.current;
      const commitsOf = async (login: string) =>
        (await as(octocat).get(`/people/${login}`).expect(200)).body.recentCommits.map(
          (c: { sha: string }) => c.sha,
        );
      expect(await org()).toMatchObject({ commits: 7, activeContributors: 3 });
      expect(await commitsOf(dev3)).toEqual(['a6']);
      try {
        await seedCommits(db, repoA, [
          { sha: 'a7', message: 'work a7', authorLogin: dev3, committedAt: '2026-01-09T12:00:00Z' },
        ]);
        expect(await org()).toMatchObject({ commits: 8, activeContributors: 3 });
        expect(await commitsOf(dev3)).toEqual(['a7', 'a6']);
        // GitHub now says dev3 is a Bot account: bots are left out.
        await db.query(`UPDATE people SET type = 'Bot' WHERE lower(login) = lower($1)`, [dev3]);
        expect(await org()).toMatchObject({ commits: 6, activeContributors: 2 });
      } finally {
        await db.query(`UPDATE people SET type = 'User' WHERE lower(login) = lower($1)`, [dev3]);
        await db.query(`DELETE FROM commits WHERE repo_id = $1 AND sha = 'a7'`, [repoA]);
      }
      expect(await org()).toMatchObject({ commits: 7, activeContributors: 3 });
    });
  });

  describe('person page', () => {
    it('shows their recent work in the repositories the viewer may read, and 404 for someone unknown', async () => {
      const full = (await as(octocat).get(`/people/${dev2}`).expect(200)).body;
      expect(full.recentCommits.map((c: { sha: string }) => c.sha)).toEqual(['a3', 'b3', 'b2', 'b1']);
      expect(full.pullRequests.map((p: { number: number; state: string }) => [p.number, p.state])).toEqual([
        [5, 'open'],
        [2, 'merged'],
      ]);
      expect(full.awaitingReview.count).toBe(1);
      expect(full.repositories.map((r: { fullName: string }) => r.fullName).sort()).toEqual(
        [`${ORG}/${nameA}`, `${ORG}/${nameB}`].sort(),
      );
      expect(full.repositoryCount).toBe(2);
      // Most recent work first, then by name; a shorter list still counts them all.
      const order = (r: { fullName: string; lastActivityAt: string }) => [r.lastActivityAt, r.fullName];
      const shown = full.repositories.map(order);
      expect(shown).toEqual(
        [...shown].sort((x: string[], y: string[]) =>
          x[0] === y[0] ? (x[1] ?? '').localeCompare(y[1] ?? '') : (y[0] ?? '').localeCompare(x[0] ?? ''),
        ),
      );
      const viewer = (await db.query(`SELECT id FROM users WHERE login = 'octocat'`)).rows[0].id as string;
      const first = await h.t.app.get(TeamsReadRepository).personRepos(viewer, dev2, 1);
      expect(first.total).toBe(2);
      expect(first.repositories.map((r) => r.fullName)).toEqual([full.repositories[0].fullName]);
      const partial = (await as(monalisa).get(`/people/${dev2}`).expect(200)).body;
      expect(partial.recentCommits.map((c: { sha: string }) => c.sha)).toEqual(['a3']);
      expect(partial.repositoryCount).toBe(1);
      expect((await as(octocat).get('/people/nobody-we-know').expect(404)).body.code).toBe(
        'person_not_found',
      );
    });

    it("follows the viewer's access at once, also to other repositories with the same versions", async () => {
      const seen = async () => {
        const page = (await as(monalisa).get(`/people/${dev2}`).expect(200)).body;
        return [page.repositoryCount, page.recentCommits.map((c: { sha: string }) => c.sha)];
      };
      const viewer = (await db.query(`SELECT id FROM users WHERE login = 'monalisa'`)).rows[0].id as string;
      const accessA = (
        await db.query(`SELECT * FROM repo_access WHERE user_id = $1 AND repo_id = $2`, [viewer, repoA])
      ).rows[0];
      // Both repositories at one version (versions only move forward): a set of repositories is told apart
      // by which they are, not by their versions' sum and count.
      await db.query(
        `INSERT INTO repo_fact_versions (repo_id, version)
         SELECT id, (SELECT coalesce(max(version), 0) + 1 FROM repo_fact_versions) FROM unnest($1::uuid[]) AS id
         ON CONFLICT (repo_id) DO UPDATE SET version = EXCLUDED.version`,
        [[repoA, repoB]],
      );
      expect(await seen()).toEqual([1, ['a3']]);
      await as(monalisa).post(`/repos/${ORG}/${nameB}/track`).expect(201);
      try {
        expect(await seen()).toEqual([2, ['a3', 'b3', 'b2', 'b1']]);
        // GitHub took her access to the first repository away (as a re-check or a membership event records it).
        await db.query(`DELETE FROM repo_access WHERE user_id = $1 AND repo_id = $2`, [viewer, repoA]);
        expect(await seen()).toEqual([1, ['b3', 'b2', 'b1']]);
      } finally {
        await db.query(
          `INSERT INTO repo_access (user_id, repo_id, permission, checked_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT DO NOTHING`,
          [viewer, repoA, accessA.permission, accessA.checked_at],
        );
        await as(monalisa).delete(`/repos/${ORG}/${nameB}/track`).expect(204);
      }
      expect(await seen()).toEqual([1, ['a3']]);
    });

    it('lists the pull requests they reviewed, with their latest verdict, and their review load', async () => {
      // dev3 commented on #5 (open) and then approved it, a week apart, and approved #1 (merged) long ago, and
      // reviewed #7 of the second repository years ago.
      await seedPulls(db, repoB, [
        {
          number: 7,
          state: 'merged',
          author: dev1,
          createdAt: '2020-01-01T00:00:00Z',
          updatedAt: '2020-01-02T00:00:00Z',
          mergedAt: '2020-01-02T00:00:00Z',
        },
      ]);
      await db.query(
        `INSERT INTO pull_request_reviews (repo_id, review_id, pull_number, reviewer_login, state, submitted_at)
         VALUES ($1, 9004, 7, $2, 'CHANGES_REQUESTED', '2020-01-01T12:00:00Z')`,
        [repoB, dev3],
      );
      await db.query(
        `INSERT INTO pull_request_reviews (repo_id, review_id, pull_number, reviewer_login, state, submitted_at)
         SELECT p.repo_id, v.id, p.number, $1, v.state, now() - v.age
           FROM pull_requests p
           JOIN (VALUES (9001, 5, 'COMMENTED', interval '8 days'), (9002, 5, 'APPROVED', interval '1 day'),
                        (9003, 1, 'APPROVED', interval '60 days')) AS v(id, number, state, age)
             ON v.number = p.number
          WHERE p.repo_id = ANY($2::uuid[])`,
        [dev3, [repoA, repoB]],
      );
      const page = (await as(octocat).get(`/people/${dev3}`).expect(200)).body;
      const reviewed = page.reviewedPullRequests.map((r: { number: number; reviewState: string }) => [
        r.number,
        r.reviewState,
      ]);
      expect(reviewed).toEqual([
        [5, 'APPROVED'],
        [1, 'APPROVED'],
        [7, 'CHANGES_REQUESTED'],
      ]);
      expect(page.reviewLoad).toEqual({ reviewsLast4Weeks: 2, openPullRequestsReviewed: 1 });
      // monalisa reads only the first repository: the reviews of the other are not hers to see.
      const partial = (await as(monalisa).get(`/people/${dev3}`).expect(200)).body;
      expect(partial.reviewedPullRequests.map((r: { number: number }) => r.number)).toEqual([5, 1]);
      // A shorter list is the head of the full one.
      const viewer = (await db.query(`SELECT id FROM users WHERE login = 'octocat'`)).rows[0].id as string;
      const top = await h.t.app.get(TeamsReadRepository).personReviews(viewer, dev3, 2);
      expect(top.map((r) => [r.number, r.review_state])).toEqual(reviewed.slice(0, 2));
    });
  });

  describe('reading an organization', () => {
    it('queues a read of it as soon as someone tracks one of its repositories, unless read within the hour', async () => {
      const queued = async () =>
        (
          await db.query(
            `SELECT data->>'owner' AS owner FROM pgboss.job WHERE name = 'github-org-read' ORDER BY created_on`,
          )
        ).rows.map((r) => r.owner as string);
      // The set-up's own tracking queued one before the organization was first read.
      expect(await queued()).toEqual([ORG]);
      await db.query(`DELETE FROM pgboss.job WHERE name = 'github-org-read'`);
      // Read minutes ago (beforeAll): tracking another of its repositories queues nothing.
      await as(monalisa).post(`/repos/${ORG}/${nameB}/track`).expect(201);
      expect(await queued()).toEqual([]);
      await as(monalisa).delete(`/repos/${ORG}/${nameB}/track`).expect(204);
      await db.query(`UPDATE github_orgs SET synced_at = now() - interval '2 hours' WHERE login = $1`, [ORG]);
      await as(monalisa).post(`/repos/${ORG}/${nameB}/track`).expect(201);
      expect(await queued()).toEqual([ORG]);
      await as(monalisa).delete(`/repos/${ORG}/${nameB}/track`).expect(204);
    });
  });

  describe('team timeline', () => {
    it("shows the activity of the team's repositories (its parent's too) the viewer may read; 404 outside", async () => {
      await seedActivity(db, repoA, [
        { type: 'push', title: 'team-timeline A', occurredAt: '2026-01-06T00:00:00Z' },
      ]);
      await seedActivity(db, repoB, [
        { type: 'push', title: 'team-timeline B', occurredAt: '2026-01-06T01:00:00Z' },
      ]);
      const titles = (body: { items: Array<{ title: string }> }) =>
        body.items.map((i) => i.title).filter((t) => t.startsWith('team-timeline'));
      // Alpha has the first repository; Beta Kids inherits nothing from Beta, which has none.
      const alpha = (await as(octocat).get(`/activity?team=${ORG}/alpha&limit=100`).expect(200)).body;
      expect(titles(alpha)).toEqual(['team-timeline A']);
      expect(alpha.items.every((i: { repoFullName: string }) => i.repoFullName === `${ORG}/${nameA}`)).toBe(
        true,
      );
      const kids = (await as(octocat).get(`/activity?team=${ORG}/beta-kids`).expect(200)).body;
      expect(kids.items).toEqual([]);
      // A page's cursor belongs to its filter.
      const everything = (await as(octocat).get('/activity?limit=1').expect(200)).body;
      expect(
        (await as(octocat).get(`/activity?team=${ORG}/alpha&cursor=${everything.nextCursor}`).expect(400))
          .body.message,
      ).toMatch(/cursor/);
      await as(hubot).get(`/activity?team=${ORG}/alpha`).expect(404);
      await as(octocat).get(`/activity?team=${ORG}/no-such-team`).expect(404);
      await as(octocat).get(`/activity?team=${ORG}/alpha&repo=${ORG}/${nameA}`).expect(400);
      await as(octocat).get('/activity?team=not a team').expect(400);
    });
  });

  describe('webhooks', () => {
    it('membership and organization changes from GitHub reach the pages without a sync', async () => {
      const collector = await deliveryCollector();
      try {
        const w = h.sim.world;
        const { app } = w.registerGithubApp({
          slug: 'teams-test',
          webhookUrl: collector.url,
          webhookSecret: 'unused',
          events: ['organization', 'team', 'membership'],
        });
        await w.installApp({ app: app.id, account: ORG });
        const forward = async () => {
          await w.settled();
          const store = await Db.connect(h.t.db.url);
          try {
            for (const d of collector.received.splice(0)) {
              const payload = JSON.parse(d.body) as Record<string, unknown>;
              expect((await postWebhook(apiUrl, { event: d.event, payload })).status).toBe(202);
            }
            await waitForInboxIdle(store);
          } finally {
            await store.end();
          }
        };

        // dev3 leaves Beta Kids: Beta's page no longer counts their commit.
        w.setTeamMembership({ org: ORG, team: 'beta-kids', login: dev3, role: null });
        await forward();
        const beta = (await as(octocat).get(`/orgs/${ORG}/teams/beta${PERIOD}`).expect(200)).body;
        expect(beta.members.map((m: { login: string }) => m.login)).not.toContain(dev3);
        expect(beta.figures.current.commits).toBe(6);

        // hubot joins the organization (and a team): their pages open.
        w.setOrgMembership({ org: ORG, login: 'hubot', role: 'member' });
        w.setTeamMembership({ org: ORG, team: 'alpha', login: 'hubot', role: 'member' });
        await forward();
        await as(hubot).get(`/orgs/${ORG}`).expect(200);
        const alpha = (await as(hubot).get(`/orgs/${ORG}/teams/alpha${PERIOD}`).expect(200)).body;
        expect(alpha.members.map((m: { login: string }) => m.login)).toContain('hubot');

        // A new nested team arrives by the `team` webhook; monalisa leaves the organization and loses the pages.
        w.createTeam({ org: ORG, name: 'Alpha Kids', parent: 'alpha' });
        w.setOrgMembership({ org: ORG, login: 'monalisa', role: null });
        await forward();
        const org = (await as(octocat).get(`/orgs/${ORG}`).expect(200)).body;
        expect(org.teams).toEqual(
          expect.arrayContaining([expect.objectContaining({ slug: 'alpha-kids', parentSlug: 'alpha' })]),
        );
        await as(monalisa).get(`/orgs/${ORG}`).expect(404);

        const statuses = await db.query(
          `SELECT event, action, status FROM webhook_deliveries WHERE event IN ('membership', 'organization', 'team') ORDER BY received_at`,
        );
        expect(statuses.rows.every((r) => r.status === 'processed')).toBe(true);
        expect(statuses.rows.map((r) => `${r.event}.${r.action}`)).toEqual(
          expect.arrayContaining([
            'membership.removed',
            'organization.member_added',
            'membership.added',
            'team.created',
            'organization.member_removed',
          ]),
        );

        // A deleted team takes every team nested under it, also one no webhook ever named.
        w.createTeam({ org: ORG, name: 'Gamma' });
        w.createTeam({ org: ORG, name: 'Gamma Kids', parent: 'gamma' });
        await forward();
        await db.query(
          `INSERT INTO teams (org_id, github_id, slug, name, privacy, parent_github_id)
           SELECT org_id, 990077, 'gamma-grandkids', 'Gamma Grandkids', 'closed', github_id
             FROM teams WHERE slug = 'gamma-kids'`,
        );
        const gamma = `SELECT slug FROM teams WHERE slug LIKE 'gamma%' ORDER BY slug`;
        expect((await db.query(gamma)).rows.map((r) => r.slug)).toEqual([
          'gamma',
          'gamma-grandkids',
          'gamma-kids',
        ]);
        w.deleteTeam(ORG, 'gamma');
        await forward();
        expect((await db.query(gamma)).rows).toEqual([]);
      } finally {
        await collector.close();
      }
    });

    it('the scheduled read puts the organization back as GitHub has it', async () => {
      await db.query(
        `DELETE FROM team_members WHERE team_id IN (SELECT id FROM teams WHERE lower(slug) = 'alpha')`,
      );
      expect(await sync()).toBe('synced');
      const alpha = (await as(octocat).get(`/orgs/${ORG}/teams/alpha${PERIOD}`).expect(200)).body;
      expect(alpha.members.map((m: { login: string }) => m.login).sort()).toEqual([dev1, 'hubot'].sort());
    });
  });
});
