import type { AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import { ActivityRollupsRepository } from '../src/teams/activity-rollups.repository';
import { ActivityRollupsService } from '../src/teams/activity-rollups.service';
import { CSRF, startAuthHarness, withSession, type AuthHarness } from './support/auth-harness';
import { allRunsSettled, NEVER, ownedRepos } from './sync-support/sync-app';
import { must } from './sync-support/sync-harness';
import {
  Db,
  GLOBAL_SECRET,
  postWebhook,
  pullRequestPayload,
  pushPayload,
  waitForInboxIdle,
  type SeededRepo,
} from './webhooks-support';

const COUNTS = 'commits, lines_added, lines_deleted, pulls_opened, pulls_merged';
const NONZERO =
  'commits <> 0 OR lines_added <> 0 OR lines_deleted <> 0 OR pulls_opened <> 0 OR pulls_merged <> 0';

/**
 * The activity rollups against a recount from the stored commits and pull requests, after each way they are
 * written: the sync, webhooks, changes in place, a transfer, a removal, and the one-time count of an upgrade.
 */
describe('activity rollups (organization and team figures)', () => {
  let h: AuthHarness;
  let ds: DataSource;
  let apiUrl: string;
  let repos: SeededRepo[];

  /** Rows that differ between the rollups and a recount from the source tables (both directions). */
  async function mismatches(): Promise<{ days: unknown[]; weeks: unknown[]; counted: number }> {
    await h.t.app.get(ActivityRollupsRepository).fold();
    const days = (await ds.query(`
      WITH raw AS (
        SELECT repo_id, (committed_at AT TIME ZONE 'UTC')::date AS day,
               lower(coalesce(author_login, author_email, author_name, '')) AS who, 1 AS commits,
               coalesce(additions, 0) AS lines_added, coalesce(deletions, 0) AS lines_deleted, 0 AS pulls_opened,
               0 AS pulls_merged
          FROM commits
        UNION ALL
        SELECT repo_id, (created_at AT TIME ZONE 'UTC')::date, lower(coalesce(author_login, '')), 0, 0, 0, 1, 0
          FROM pull_requests
        UNION ALL
        SELECT repo_id, (merged_at AT TIME ZONE 'UTC')::date, lower(coalesce(author_login, '')), 0, 0, 0, 0, 1
          FROM pull_requests WHERE merged_at IS NOT NULL
      ), want AS (
        SELECT repo_id, day, who, sum(commits)::int AS commits, sum(lines_added)::bigint AS lines_added,
               sum(lines_deleted)::bigint AS lines_deleted, sum(pulls_opened)::int AS pulls_opened,
               sum(pulls_merged)::int AS pulls_merged
          FROM raw GROUP BY 1, 2, 3
      ), have AS (
        SELECT repo_id, day, who, ${COUNTS} FROM activity_days WHERE ${NONZERO}
      )
      (SELECT 'missing' AS side, * FROM (SELECT * FROM want EXCEPT SELECT * FROM have) a)
      UNION ALL
      (SELECT 'extra', * FROM (SELECT * FROM have EXCEPT SELECT * FROM want) b)`)) as unknown[];
    const weeks = (await ds.query(`
      WITH want AS (
        SELECT r.github_host, lower(r.owner) AS owner_key, date_trunc('week', a.day)::date AS week, a.who,
               sum(a.commits)::int AS commits, sum(a.lines_added)::bigint AS lines_added,
               sum(a.lines_deleted)::bigint AS lines_deleted, sum(a.pulls_opened)::int AS pulls_opened,
               sum(a.pulls_merged)::int AS pulls_merged
          FROM activity_days a JOIN repositories r ON r.id = a.repo_id
         GROUP BY 1, 2, 3, 4
      ), have AS (
        SELECT github_host, owner_key, week, who, ${COUNTS} FROM owner_activity_weeks WHERE ${NONZERO}
      )
      (SELECT 'missing' AS side, * FROM (SELECT * FROM want WHERE ${NONZERO} EXCEPT SELECT * FROM have) a)
      UNION ALL
      (SELECT 'extra', * FROM (SELECT * FROM have EXCEPT SELECT * FROM want) b)`)) as unknown[];
    const repoWeeks = (await ds.query(`
      WITH want AS (
        SELECT repo_id, date_trunc('week', day)::date AS week, named_bot, sum(commits)::int AS commits,
               sum(lines_added)::bigint AS lines_added, sum(lines_deleted)::bigint AS lines_deleted,
               sum(pulls_opened)::int AS pulls_opened, sum(pulls_merged)::int AS pulls_merged
          FROM activity_days GROUP BY 1, 2, 3
      ), have AS (
        SELECT repo_id, week, named_bot, ${COUNTS} FROM repo_activity_weeks WHERE ${NONZERO}
      )
      (SELECT 'missing' AS side, * FROM (SELECT * FROM want WHERE ${NONZERO} EXCEPT SELECT * FROM have) a)
      UNION ALL
      (SELECT 'extra', * FROM (SELECT * FROM have EXCEPT SELECT * FROM want) b)`)) as unknown[];
    const [{ n }] = (await ds.query(`SELECT count(*)::int AS n FROM activity_days WHERE ${NONZERO}`)) as [
      { n: number },
    ];
    return { days, weeks: [...weeks, ...repoWeeks], counted: n };
  }

  async function expectInStep(): Promise<void> {
    const m = await mismatches();
    expect(m.days).toEqual([]);
    expect(m.weeks).toEqual([]);
    expect(m.counted).toBeGreaterThan(0);
  }

  /** A figure read after folding what is queued, as a page reads it. */
  const sum = async (sqlText: string, params: unknown[]) => {
    await h.t.app.get(ActivityRollupsRepository).fold();
    return Number(((await ds.query(sqlText, params)) as Array<{ n: string | null }>)[0]?.n ?? 0);
  };

  beforeAll(async () => {
    h = await startAuthHarness({
      sim: { sizes: { reposPerOwner: 2, commitsPerRepo: 40, pullsPerRepo: 12 } },
      env: { SYNC_ENABLED: 'true', SYNC_CRON: NEVER, WEBHOOK_SECRET: GLOBAL_SECRET },
    });
    await h.t.app.listen(0, '127.0.0.1');
    apiUrl = `http://127.0.0.1:${(h.t.app.getHttpServer().address() as AddressInfo).port}`;
    ds = h.t.app.get(DataSource);
    const { session } = await h.signIn('octocat');
    for (const full of ownedRepos(h.sim, 'octocat', 2))
      await h
        .http()
        .post(`/api/v1/repos/${full}/track`)
        .set('Cookie', withSession(session))
        .set(CSRF)
        .expect(201);
    await allRunsSettled(ds);
    repos = (await ds.query(
      `SELECT id, github_id AS "githubId", full_name AS "fullName" FROM repositories ORDER BY full_name`,
    )) as SeededRepo[];
    repos = repos.map((r) => ({ ...r, githubId: Number(r.githubId) }));
    expect(repos).toHaveLength(2);
  });
  afterAll(() => h?.close());

  it('count what the sync stored', async () => {
    const commits = await sum('SELECT count(*) AS n FROM commits', []);
    expect(commits).toBeGreaterThan(0);
    expect(await sum('SELECT sum(commits) AS n FROM activity_days', [])).toBe(commits);
    await expectInStep();
  });

  it('follow webhook pushes and pull requests opened and merged', async () => {
    const repo = must(repos[0], 'a tracked repository');
    const store = await Db.connect(h.t.db.url);
    try {
      const before = await sum('SELECT sum(commits) AS n FROM activity_days WHERE who = $1', ['monalisa']);
      const push = await postWebhook(apiUrl, { event: 'push', payload: pushPayload(repo, { commits: 3 }) });
      expect(push.status).toBe(202);
      const at = new Date();
      for (const [action, merged] of [
        ['opened', false],
        ['closed', true],
      ] as const) {
        const payload = pullRequestPayload(repo, {
          number: 900,
          action,
          title: 'Rollups',
          state: merged ? 'closed' : 'open',
          merged,
          updatedAt: new Date(at.getTime() + (merged ? 60_000 : 0)),
        });
        expect((await postWebhook(apiUrl, { event: 'pull_request', payload })).status).toBe(202);
      }
      await waitForInboxIdle(store);
      expect(await sum('SELECT sum(commits) AS n FROM activity_days WHERE who = $1', ['monalisa'])).toBe(
        before + 3,
      );
      expect(
        await sum('SELECT sum(pulls_merged) AS n FROM activity_days WHERE repo_id = $1 AND who = $2', [
          repo.id,
          'monalisa',
        ]),
      ).toBeGreaterThanOrEqual(1);
      await expectInStep();
    } finally {
      await store.end();
    }
  });

  it('follow changes in place: lines counted later, an author learned later, a merge, a deletion', async () => {
    const [a] = repos;
    await ds.query(
      `UPDATE commits SET additions = coalesce(additions, 0) + 5, author_login = 'someone-else'
        WHERE repo_id = $1 AND sha IN (SELECT sha FROM commits WHERE repo_id = $1 ORDER BY sha LIMIT 4)`,
      [must(a, 'a').id],
    );
    await ds.query(
      `UPDATE pull_requests SET merged_at = created_at + interval '3 days', closed_at = created_at + interval '3 days',
              state = 'closed'
        WHERE repo_id = $1 AND merged_at IS NULL`,
      [must(a, 'a').id],
    );
    await ds.query(
      `DELETE FROM commits WHERE repo_id = $1 AND sha IN (SELECT sha FROM commits WHERE repo_id = $1 ORDER BY sha DESC LIMIT 3)`,
      [must(a, 'a').id],
    );
    await expectInStep();
  });

  it('move a repository’s work to its new owner, and drop it with the repository', async () => {
    const a = must(repos[0], 'a tracked repository');
    const b = must(repos[1], 'another tracked repository');
    const owner = (await ds.query('SELECT lower(owner) AS o FROM repositories WHERE id = $1', [b.id])) as [
      { o: string },
    ];
    const ownerTotal = () =>
      sum('SELECT sum(commits) AS n FROM owner_activity_weeks WHERE owner_key = $1', [owner[0].o]);
    const moved = await sum('SELECT sum(commits) AS n FROM activity_days WHERE repo_id = $1', [b.id]);
    const before = await ownerTotal();
    await ds.query(`UPDATE repositories SET owner = 'new-home' WHERE id = $1`, [b.id]);
    expect(await ownerTotal()).toBe(before - moved);
    expect(
      await sum(`SELECT sum(commits) AS n FROM owner_activity_weeks WHERE owner_key = 'new-home'`, []),
    ).toBe(moved);
    await expectInStep();

    const gone = await sum('SELECT sum(commits) AS n FROM activity_days WHERE repo_id = $1', [a.id]);
    const left = await ownerTotal();
    await ds.query('DELETE FROM repositories WHERE id = $1', [a.id]);
    expect(await ownerTotal()).toBe(left - gone);
    expect(await sum('SELECT count(*) AS n FROM activity_days WHERE repo_id = $1', [a.id])).toBe(0);
    await expectInStep();
  });

  it('count, once, repositories stored before the rollups existed, however many replicas try at once', async () => {
    const want = await mismatches();
    expect(want.days).toEqual([]);
    // An upgraded instance: rows stored, nothing counted, every repository pending.
    await ds.query('DELETE FROM activity_days');
    await ds.query('DELETE FROM repo_activity_weeks');
    await ds.query('DELETE FROM owner_activity_weeks');
    await ds.query('UPDATE repositories SET activity_rolled_up = false');
    expect((await mismatches()).days.length).toBeGreaterThan(0);

    const rollups = h.t.app.get(ActivityRollupsService);
    const counted = await Promise.all([rollups.rebuildPending(), rollups.rebuildPending()]);
    expect(counted[0] + counted[1]).toBe(1); // one repository is left after the removal above
    await expectInStep();
    expect(await sum('SELECT count(*) AS n FROM repositories WHERE NOT activity_rolled_up', [])).toBe(0);
    // A later start has nothing to do.
    expect(await rollups.rebuildPending()).toBe(0);
  });
});
