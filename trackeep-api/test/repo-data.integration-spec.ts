import { Client } from 'pg';
import { CSRF, startAuthHarness, withSession, type AuthHarness } from './support/auth-harness';
import {
  seedBranches,
  seedCommits,
  seedPulls,
  seedSnapshots,
  type SeedCommit,
} from './support/seed-repo-data';

describe('repository data endpoints (served from the shared tables)', () => {
  let h: AuthHarness;
  let db: Client;
  let session: string;
  let repoId: string;
  const base = '/api/v1/repos/octocat/Hello-World';
  const get = (path: string, query: Record<string, string | number> = {}) =>
    h.http().get(`${base}${path}`).query(query).set('Cookie', withSession(session));

  // 25 commits; several share a timestamp (keyset ties) and one has microseconds.
  const commits: SeedCommit[] = Array.from({ length: 25 }, (_, i) => ({
    sha: `c${String(i).padStart(2, '0')}`,
    message: i === 7 ? 'Fix 100% of the_bugs' : i % 5 === 0 ? `feat: widget ${i}` : `chore: tidy ${i}`,
    authorLogin: i % 2 === 0 ? 'Octocat' : 'hubot',
    authorEmail: i % 2 === 0 ? 'octo@example.com' : 'hubot@example.com',
    committedAt: i < 6 ? '2024-03-01T12:00:00.000001Z' : `2024-03-${String(i).padStart(2, '0')}T08:00:00Z`,
    branches: i % 3 === 0 ? ['main', 'dev'] : ['main'],
  }));

  beforeAll(async () => {
    h = await startAuthHarness({ sim: { sizes: { reposPerOwner: 2, commitsPerRepo: 3 } } });
    db = new Client({ connectionString: h.t.db.url });
    await db.connect();
    ({ session } = await h.signIn('octocat'));
    repoId = (await h.http().post(`${base}/track`).set('Cookie', withSession(session)).set(CSRF).expect(201))
      .body.id;
    await seedCommits(db, repoId, commits);
    await seedPulls(db, repoId, [
      {
        number: 1,
        state: 'merged',
        author: 'octocat',
        createdAt: '2024-01-01T00:00:00Z',
        updatedAt: '2024-01-03T00:00:00Z',
        mergedAt: '2024-01-02T00:00:00Z',
        reviewCount: 2,
      },
      {
        number: 2,
        state: 'open',
        author: 'hubot',
        createdAt: '2024-01-05T00:00:00Z',
        updatedAt: '2024-01-06T00:00:00Z',
      },
      {
        number: 3,
        state: 'closed',
        author: 'hubot',
        createdAt: '2024-01-04T00:00:00Z',
        updatedAt: '2024-01-07T00:00:00Z',
      },
      {
        number: 4,
        state: 'open',
        author: 'octocat',
        createdAt: '2024-01-02T00:00:00Z',
        updatedAt: '2024-01-06T00:00:00Z',
      },
    ]);
    await seedBranches(db, repoId, ['main', 'dev', 'feature/a', 'feature/b', 'Zeta']);
    const day = 86_400_000;
    await seedSnapshots(db, repoId, [
      { capturedAt: new Date(Date.now() - 200 * day).toISOString(), stars: 1 },
      { capturedAt: new Date(Date.now() - 20 * day).toISOString(), stars: 5 },
      { capturedAt: new Date(Date.now() - 2 * day).toISOString(), stars: 8 },
    ]);
  });
  afterAll(async () => {
    await db.end();
    await h.close();
  });

  async function allPages(path: string, query: Record<string, string | number>) {
    const items: Array<Record<string, unknown>> = [];
    let cursor: string | null = null;
    for (let i = 0; i < 50; i++) {
      const body: { items: Array<Record<string, unknown>>; nextCursor: string | null } = (
        await get(path, cursor ? { ...query, cursor } : query).expect(200)
      ).body;
      items.push(...body.items);
      cursor = body.nextCursor;
      if (!cursor) break;
    }
    return items;
  }

  describe('GET .../commits', () => {
    it('pages newest first through every commit exactly once, ties and microseconds included', async () => {
      const first = await get('/commits', { limit: 4 }).expect(200);
      expect(first.body.items).toHaveLength(4);
      expect(first.body.items[0]).toEqual({
        sha: 'c24',
        message: 'chore: tidy 24',
        author: {
          name: 'Octocat',
          email: 'octo@example.com',
          login: 'Octocat',
          date: '2024-03-24T08:00:00.000Z',
        },
        committer: {
          name: 'Octocat',
          email: 'octo@example.com',
          login: 'Octocat',
          date: '2024-03-24T08:00:00.000Z',
        },
        additions: 1,
        deletions: 2,
        changedFiles: 3,
        parents: [],
        htmlUrl: 'https://example.test/commit/c24',
      });
      const all = await allPages('/commits', { limit: 4 });
      expect(all.map((c) => c.sha)).toEqual(commits.map((c) => c.sha).reverse());
    });

    it('filters by branch, author (login or e-mail, any case), time range and message text', async () => {
      const dev = await allPages('/commits', { branch: 'dev', limit: 100 });
      expect(dev.map((c) => c.sha).sort()).toEqual(
        commits
          .filter((c) => c.branches!.includes('dev'))
          .map((c) => c.sha)
          .sort(),
      );
      const byLogin = await allPages('/commits', { author: 'octocat' });
      const byEmail = await allPages('/commits', { author: 'OCTO@example.com' });
      expect(byLogin).toHaveLength(13);
      expect(byEmail.map((c) => c.sha)).toEqual(byLogin.map((c) => c.sha));
      const march10to20 = await allPages('/commits', { since: '2024-03-10', until: '2024-03-20T00:00:00Z' });
      expect(march10to20.map((c) => c.sha)).toEqual([
        'c19',
        'c18',
        'c17',
        'c16',
        'c15',
        'c14',
        'c13',
        'c12',
        'c11',
        'c10',
      ]);
      const feat = await allPages('/commits', { q: 'FEAT:' });
      expect(feat.map((c) => c.sha)).toEqual(['c20', 'c15', 'c10', 'c05', 'c00']);
    });

    it('treats % and _ in the text search literally', async () => {
      expect((await allPages('/commits', { q: '100%' })).map((c) => c.sha)).toEqual(['c07']);
      expect((await allPages('/commits', { q: 'the_bugs' })).map((c) => c.sha)).toEqual(['c07']);
      expect(await allPages('/commits', { q: '%' })).toHaveLength(1);
      expect(await allPages('/commits', { q: '_' })).toHaveLength(1);
    });

    it('keeps filters across pages', async () => {
      const paged = await allPages('/commits', { author: 'hubot', limit: 3 });
      expect(paged).toHaveLength(12);
      expect(paged.every((c) => (c['author'] as { login: string }).login === 'hubot')).toBe(true);
    });
  });

  describe('GET .../pulls', () => {
    it('returns review count, merged_at and cycle time; default sort is updated, newest first', async () => {
      const res = await get('/pulls').expect(200);
      expect(res.body.items.map((p: { number: number }) => p.number)).toEqual([3, 4, 2, 1]);
      const merged = res.body.items.find((p: { number: number }) => p.number === 1);
      expect(merged).toMatchObject({
        state: 'merged',
        reviewCount: 2,
        mergedAt: '2024-01-02T00:00:00.000Z',
        cycleTimeSeconds: 86400,
        labels: ['bug'],
      });
      expect(res.body.items.find((p: { number: number }) => p.number === 2).cycleTimeSeconds).toBeNull();
    });

    it('filters by state and author, and sorts by creation in either direction with stable paging', async () => {
      expect((await allPages('/pulls', { state: 'open' })).map((p) => p['number'])).toEqual([4, 2]);
      expect((await allPages('/pulls', { state: 'closed' })).map((p) => p['number'])).toEqual([3]);
      expect((await allPages('/pulls', { state: 'merged' })).map((p) => p['number'])).toEqual([1]);
      expect((await allPages('/pulls', { author: 'HUBOT' })).map((p) => p['number'])).toEqual([3, 2]);
      expect(
        (await allPages('/pulls', { sort: 'created', direction: 'asc', limit: 1 })).map((p) => p['number']),
      ).toEqual([1, 4, 3, 2]);
      expect((await allPages('/pulls', { sort: 'created', limit: 3 })).map((p) => p['number'])).toEqual([
        2, 3, 4, 1,
      ]);
    });

    it('refuses a cursor from another sort order', async () => {
      const page = await get('/pulls', { sort: 'created', limit: 1 }).expect(200);
      const res = await get('/pulls', { sort: 'updated', cursor: page.body.nextCursor }).expect(400);
      expect(res.body.message).toMatch(/cursor/);
    });
  });

  describe('GET .../branches and .../stats/history', () => {
    it('pages branches by name with head, protection and ahead/behind', async () => {
      const all = await allPages('/branches', { limit: 2 });
      expect(all.map((b) => b['name'])).toEqual(['Zeta', 'dev', 'feature/a', 'feature/b', 'main']);
      expect(all.find((b) => b['name'] === 'main')).toEqual({
        name: 'main',
        headSha: 'sha-main',
        protected: true,
        lastCommitAt: expect.any(String),
        aheadBy: 0,
        behindBy: 0,
        comparisonStale: false,
      });
      expect(all.find((b) => b['name'] === 'feature/a')).toMatchObject({ aheadBy: 1, behindBy: 2 });
    });

    it("marks ahead/behind computed for a head that has moved since, the branch's or the default branch's", async () => {
      const counts = async () =>
        Object.fromEntries(
          (await allPages('/branches', { limit: 100 })).map((b) => [
            b['name'],
            [b['aheadBy'], b['behindBy'], b['comparisonStale']],
          ]),
        );
      const move = (name: string, sha: string) =>
        db.query(`UPDATE branches SET head_sha = $3 WHERE repo_id = $1 AND name = $2`, [repoId, name, sha]);
      try {
        // A push to dev seen by webhook: its counts were for its old head.
        await move('dev', 'sha-dev-2');
        expect(await counts()).toEqual({
          Zeta: [1, 2, false],
          dev: [1, 2, true],
          'feature/a': [1, 2, false],
          'feature/b': [1, 2, false],
          main: [0, 0, false],
        });
        // A push to the default branch: every branch's counts were against its old head.
        await move('main', 'sha-main-2');
        expect(await counts()).toEqual({
          Zeta: [1, 2, true],
          dev: [1, 2, true],
          'feature/a': [1, 2, true],
          'feature/b': [1, 2, true],
          main: [0, 0, true],
        });
        // A branch created since the last refs read has no counts yet: nothing to call stale.
        await db.query(
          `UPDATE branches SET ahead_by = NULL, behind_by = NULL, compared_sha = NULL, compared_to_sha = NULL
            WHERE repo_id = $1 AND name = 'Zeta'`,
          [repoId],
        );
        expect((await counts())['Zeta']).toEqual([null, null, false]);
      } finally {
        await move('dev', 'sha-dev');
        await move('main', 'sha-main');
        await db.query(
          `UPDATE branches SET ahead_by = 1, behind_by = 2, compared_sha = head_sha, compared_to_sha = 'sha-main'
            WHERE repo_id = $1 AND name = 'Zeta'`,
          [repoId],
        );
      }
    });

    it('returns the last 90 days of stats oldest first by default, or the requested range', async () => {
      const res = await get('/stats/history').expect(200);
      expect(res.body.map((p: { stars: number }) => p.stars)).toEqual([5, 8]);
      expect(res.body[0]).toEqual({
        capturedAt: expect.any(String),
        stars: 5,
        forks: 1,
        watchers: 2,
        openIssues: 3,
      });
      const all = await get('/stats/history', { since: '2000-01-01' }).expect(200);
      expect(all.body.map((p: { stars: number }) => p.stars)).toEqual([1, 5, 8]);
    });
  });

  describe('GET .../commits/weekly', () => {
    /** Monday 00:00 UTC of the week of `iso`, as YYYY-MM-DD. */
    const monday = (iso: string) => {
      const d = new Date(iso);
      return new Date(
        Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - ((d.getUTCDay() + 6) % 7)),
      )
        .toISOString()
        .slice(0, 10);
    };

    it('counts commits and line changes per week, oldest first, with empty weeks as zero', async () => {
      const res = await get('/commits/weekly', { weeks: 156 }).expect(200);
      const weeks = res.body as Array<{
        week: string;
        commits: number;
        additions: number;
        deletions: number;
      }>;
      expect(weeks).toHaveLength(156);
      expect(weeks.at(-1)!.week).toBe(monday(new Date().toISOString()));
      expect(weeks.map((w) => w.week)).toEqual([...weeks.map((w) => w.week)].sort());
      const expected = new Map<string, number>();
      for (const c of commits)
        expected.set(monday(c.committedAt), (expected.get(monday(c.committedAt)) ?? 0) + 1);
      const counted = new Map(weeks.filter((w) => w.commits > 0).map((w) => [w.week, w.commits]));
      expect(counted).toEqual(expected);
      for (const w of weeks)
        expect({ additions: w.additions, deletions: w.deletions }).toEqual({
          additions: w.commits,
          deletions: 2 * w.commits,
        });
    });

    it('defaults to the last 12 weeks', async () => {
      const res = await get('/commits/weekly').expect(200);
      expect(res.body).toHaveLength(12);
    });
  });

  describe('GET .../pulls/cycle-time', () => {
    const HOUR = 3600;
    const WEEK_MS = 7 * 86_400_000;
    const thisMonday =
      Date.parse(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`) -
      ((new Date().getUTCDay() + 6) % 7) * 86_400_000;
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    /** A pull request merged `weeksAgo` weeks back (Monday 06:00 UTC + `n` minutes), open `hours` before that. */
    const mergedPull = (number: number, weeksAgo: number, hours: number) => {
      const merged = thisMonday - weeksAgo * WEEK_MS + 6 * 3600_000 + number * 60_000;
      return {
        number,
        state: 'merged' as const,
        author: 'octocat',
        createdAt: new Date(merged - hours * HOUR * 1000).toISOString(),
        updatedAt: new Date(merged).toISOString(),
        mergedAt: new Date(merged).toISOString(),
      };
    };

    // Seeded here and removed afterwards: the pull request list tests above count the repository's pull requests.
    beforeAll(async () => {
      await seedPulls(db, repoId, [
        mergedPull(101, 0, 2),
        mergedPull(102, 0, 10),
        mergedPull(103, 0, 4),
        mergedPull(104, 2, 30),
        mergedPull(105, 20, 1),
        {
          number: 106,
          state: 'open',
          author: 'hubot',
          createdAt: new Date(thisMonday).toISOString(),
          updatedAt: new Date(thisMonday).toISOString(),
        },
        {
          number: 107,
          state: 'closed',
          author: 'hubot',
          createdAt: new Date(thisMonday - WEEK_MS).toISOString(),
          updatedAt: new Date(thisMonday).toISOString(),
        },
      ]);
    });
    afterAll(async () => {
      await db.query(`DELETE FROM pull_requests WHERE repo_id = $1 AND number > 100`, [repoId]);
    });

    it('gives the median open→merge time per week of merge, oldest first, and over all the weeks', async () => {
      const res = await get('/pulls/cycle-time').expect(200);
      const body = res.body as {
        weeks: Array<{ week: string; merged: number; medianSeconds: number | null }>;
        merged: number;
        medianSeconds: number | null;
      };
      expect(body.weeks).toHaveLength(12);
      expect(body.weeks.at(-1)).toEqual({ week: day(thisMonday), merged: 3, medianSeconds: 4 * HOUR });
      expect(body.weeks.at(-3)).toEqual({
        week: day(thisMonday - 2 * WEEK_MS),
        merged: 1,
        medianSeconds: 30 * HOUR,
      });
      expect(body.weeks.filter((w) => w.merged > 0)).toHaveLength(2);
      expect(body.weeks.filter((w) => w.merged === 0).every((w) => w.medianSeconds === null)).toBe(true);
      // Over all merges (2, 4, 10, 30 h), not a median of the weekly medians (4, 30 h).
      expect({ merged: body.merged, medianSeconds: body.medianSeconds }).toEqual({
        merged: 4,
        medianSeconds: 7 * HOUR,
      });
    });

    it('reaches further back with ?weeks=', async () => {
      const res = await get('/pulls/cycle-time', { weeks: 26 }).expect(200);
      expect(res.body.weeks).toHaveLength(26);
      expect(res.body.weeks[26 - 21]).toEqual({
        week: day(thisMonday - 20 * WEEK_MS),
        merged: 1,
        medianSeconds: 1 * HOUR,
      });
      expect({ merged: res.body.merged, medianSeconds: res.body.medianSeconds }).toEqual({
        merged: 5,
        medianSeconds: 4 * HOUR,
      });
    });

    it('answers empty weeks and a null median when nothing was merged', async () => {
      const res = await get('/pulls/cycle-time', { weeks: 1 }).expect(200);
      expect(res.body.merged).toBe(3);
      await db.query(
        `UPDATE pull_requests SET merged_at = NULL, state = 'closed' WHERE repo_id = $1 AND number IN (101, 102, 103)`,
        [repoId],
      );
      const none = await get('/pulls/cycle-time', { weeks: 1 }).expect(200);
      expect(none.body).toEqual({
        weeks: [{ week: day(thisMonday), merged: 0, medianSeconds: null }],
        merged: 0,
        medianSeconds: null,
      });
    });
  });

  describe('validation: client mistakes are 400 naming the field, never 500', () => {
    it.each([
      ['/commits', { limit: 101 }, 'limit'],
      ['/commits', { limit: 0 }, 'limit'],
      ['/commits', { limit: 'ten' }, 'limit'],
      ['/commits', { since: 'yesterday' }, 'since'],
      ['/commits', { since: '2024-02-30' }, 'since'],
      ['/commits', { until: '2024-W01-1' }, 'until'],
      ['/commits', { since: '2024-03-02', until: '2024-03-01' }, 'since'],
      ['/commits', { cursor: 'not a cursor' }, 'cursor'],
      ['/commits', { cursor: Buffer.from('{"s":"commits:x","k":[1]}').toString('base64url') }, 'cursor'],
      ['/commits', { q: 'x'.repeat(201) }, 'q'],
      ['/commits', { author: 'a\u0000b' }, 'author'],
      ['/commits', { color: 'red' }, 'color'],
      ['/pulls', { state: 'draft' }, 'state'],
      ['/pulls', { sort: 'popularity' }, 'sort'],
      ['/pulls', { direction: 'sideways' }, 'direction'],
      ['/branches', { limit: 1000 }, 'limit'],
      ['/stats/history', { until: 'soon' }, 'until'],
      ['/commits/weekly', { weeks: 0 }, 'weeks'],
      ['/commits/weekly', { weeks: 157 }, 'weeks'],
      ['/commits/weekly', { weeks: 'many' }, 'weeks'],
      ['/pulls/cycle-time', { weeks: 0 }, 'weeks'],
      ['/pulls/cycle-time', { weeks: 157 }, 'weeks'],
    ])('%s with %j → 400 mentioning %s', async (path, query, field) => {
      const res = await get(path, query as Record<string, string | number>).expect(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request', code: 'validation_failed' });
      expect(JSON.stringify(res.body.message)).toContain(field);
    });

    it('rejects a repeated scalar parameter (array smuggling)', async () => {
      const res = await h
        .http()
        .get(`${base}/commits?author=a&author=b`)
        .set('Cookie', withSession(session))
        .expect(400);
      expect(JSON.stringify(res.body.message)).toContain('author');
    });

    it('answers 404 for an unknown route in the standard body', async () => {
      const res = await h.http().get('/api/v1/nope').set('Cookie', withSession(session)).expect(404);
      expect(res.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
    });
  });
});
