import type { LiveEnvelope } from '../src/events/event-bus.service';
import { EventBus } from '../src/events/event-bus.service';
import { SyncCronJob } from '../src/sync/jobs/sync.cron.job';
import { SyncQueue } from '../src/sync/jobs/sync-queue.service';
import type { SyncRun, SyncStatus, SyncTriggerResult } from '@trackeep/contracts';
import { DataSource } from 'typeorm';
import { cookie } from './support/cookies';
import { CSRF, SESSION_COOKIE, startAuthHarness, type AuthHarness } from './support/auth-harness';
import { allRunsSettled, NEVER, ownedRepos, runsOf, waitFor } from './sync-support/sync-app';
import { sample } from './support/prometheus';
import { splitFullName } from '../src/common/full-name.util';
import { firstRow, must } from './sync-support/sync-harness';

describe('sync endpoints and schedule (real API, simulator)', () => {
  let h: AuthHarness;
  let session: string;
  let ds: DataSource;
  /** The two tracked repositories' current names (the rename and transfer tests update them). */
  let repos: [string, string];
  const live: LiveEnvelope[] = [];
  const changedRepos: string[] = [];
  const auth = () => cookie(SESSION_COOKIE, session);

  beforeAll(async () => {
    h = await startAuthHarness({ env: { SYNC_ENABLED: 'true', SYNC_CRON: NEVER, SYNC_CONCURRENCY: '2' } });
    ds = h.t.app.get(DataSource);
    h.t.app.get(EventBus).subscribe((e) => live.push(e));
    h.t.app.get(EventBus).subscribeRepoChanges((id) => changedRepos.push(id));
    await h.t.app.get(EventBus).ready;
    session = (await h.signIn('octocat')).session;
    const [a, b] = ownedRepos(h.sim, 'octocat', 2);
    repos = [must(a, 'a first repository of octocat'), must(b, 'a second repository of octocat')];
    for (const full of repos) {
      await h.http().post(`/api/v1/repos/${full}/track`).set('Cookie', auth()).set(CSRF).expect(201);
    }
  });
  afterAll(() => h.close());

  it('syncs a repository as soon as it is tracked, and says so in GET /sync/runs', async () => {
    await allRunsSettled(ds);
    const res = await h.http().get('/api/v1/sync/runs').set('Cookie', auth()).expect(200);
    const runs = res.body.items as SyncRun[];
    expect(runs).toHaveLength(2);
    for (const run of runs) {
      expect(run).toMatchObject({ trigger: 'track', status: 'succeeded', error: null });
      expect(run.items.commits).toBeGreaterThan(0);
      expect(run.items.pulls).toBeGreaterThan(0);
      expect(run.graphqlPoints).toBeGreaterThan(0);
      expect(run.finishedAt).not.toBeNull();
    }
    expect(runs.map((r) => r.repoFullName).sort()).toEqual([...repos].sort());
  });

  it('published progress for the live dashboard while syncing', () => {
    const progress = live
      .filter((e) => e.event.type === 'sync_progress')
      .map((e) => e.event as Extract<LiveEnvelope['event'], { type: 'sync_progress' }>);
    expect(progress.some((p) => p.status === 'running')).toBe(true);
    expect(
      progress
        .filter((p) => p.status === 'succeeded')
        .map((p) => p.repoFullName)
        .sort(),
    ).toEqual([...repos].sort());
  });

  it('told every replica that the synced repositories changed (the dashboard gets repo_changed)', async () => {
    const ids = (await ds.query(`SELECT id FROM repositories WHERE full_name = ANY($1)`, [repos])) as Array<{
      id: string;
    }>;
    await waitFor(
      'repo changes for both repositories',
      async () => ids.every((r) => changedRepos.includes(r.id)),
      5_000,
    );
  });

  it('counted the sync jobs and the rows they wrote in /metrics', async () => {
    const text = (await h.http().get('/metrics').expect(200)).text;
    const runs = (await h.http().get('/api/v1/sync/runs').set('Cookie', auth()).expect(200)).body
      .items as SyncRun[];
    expect(sample(text, 'trackeep_sync_jobs_started_total', { kind: 'repo' })).toBeGreaterThanOrEqual(2);
    expect(
      sample(text, 'trackeep_sync_jobs_finished_total', { kind: 'repo', result: 'succeeded' }),
    ).toBeGreaterThanOrEqual(2);
    expect(sample(text, 'trackeep_sync_job_duration_seconds_count', { kind: 'repo' })).toBe(
      sample(text, 'trackeep_sync_jobs_finished_total', { kind: 'repo' }),
    );
    expect(sample(text, 'trackeep_sync_items_total', { kind: 'commits' })).toBe(
      runs.reduce((n, r) => n + r.items.commits, 0),
    );
    expect(sample(text, 'trackeep_sync_items_total', { kind: 'pulls' })).toBe(
      runs.reduce((n, r) => n + r.items.pulls, 0),
    );
  });

  it('GET /sync/status reports the last success per repository and the token budgets', async () => {
    const res = await h.http().get('/api/v1/sync/status').set('Cookie', auth()).expect(200);
    const status = res.body as SyncStatus;
    expect(status.repos.map((r) => r.repoFullName).sort()).toEqual([...repos].sort());
    for (const r of status.repos) {
      expect(r.lastSuccessAt).not.toBeNull();
      expect(r.running).toBe(false);
      expect(r.progress).toBeNull();
      expect(r.lastError).toBeNull();
      expect(Date.parse(r.nextScheduledAt ?? '')).toBeGreaterThan(Date.now());
    }
    expect(status.rateLimits.map((b) => b.resource).sort()).toEqual(['core', 'graphql']);
    expect(
      must(
        status.rateLimits.find((b) => b.resource === 'graphql'),
        'graphql budget',
      ).remaining,
    ).toBeLessThan(5000);
  });

  it('GET /sync/status shows a budget last seen before its reset as whole again', async () => {
    const where = `resource = 'graphql' AND user_id = (SELECT id FROM users WHERE login = 'octocat')`;
    const [seen] = (await ds.query(
      `SELECT remaining, reset_at FROM github_rate_limits WHERE ${where}`,
    )) as Array<{
      remaining: number;
      reset_at: Date;
    }>;
    const before = must(seen, 'the recorded graphql budget');
    const resetAt = new Date(Date.now() - 3 * 3_600_000);
    await ds.query(`UPDATE github_rate_limits SET remaining = 7, reset_at = $1 WHERE ${where}`, [resetAt]);
    try {
      const status = (await h.http().get('/api/v1/sync/status').set('Cookie', auth()).expect(200))
        .body as SyncStatus;
      const graphql = must(
        status.rateLimits.find((b) => b.resource === 'graphql' && !b.installation),
        'graphql budget',
      );
      expect(graphql).toMatchObject({ remaining: graphql.limit, resetAt: resetAt.toISOString() });
      expect(graphql.limit).toBeGreaterThan(7);
    } finally {
      await ds.query(`UPDATE github_rate_limits SET remaining = $1, reset_at = $2 WHERE ${where}`, [
        before.remaining,
        before.reset_at,
      ]);
    }
  });

  it('GET /sync/status comes a page at a time by name, every repository once, with totals over all', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: SyncStatus = (
        await h
          .http()
          .get('/api/v1/sync/status')
          .query(cursor ? { limit: 1, cursor } : { limit: 1 })
          .set('Cookie', auth())
          .expect(200)
      ).body;
      expect(page.repos.length).toBeLessThanOrEqual(1);
      expect(page.tracked).toBe(repos.length);
      expect(page.rateLimits.length).toBeGreaterThan(0);
      seen.push(...page.repos.map((r) => r.repoFullName));
      cursor = page.nextCursor;
    } while (cursor && seen.length <= repos.length);
    expect(seen).toEqual([...repos].sort());
    const whole = (await h.http().get('/api/v1/sync/status').set('Cookie', auth()).expect(200))
      .body as SyncStatus;
    expect(whole.nextCursor).toBeNull();
    expect(whole.repos.map((r) => r.repoFullName)).toEqual(seen);
  });

  it('GET /sync/status reads each repository’s state kept from its runs: in progress, failed, succeeded, pruned, the same as a recount', async () => {
    const [full] = repos;
    const [owner, name] = splitFullName(full);
    const { id: repoId } = await firstRow<{ id: string }>(
      ds.query(`SELECT id FROM repositories WHERE owner = $1 AND name = $2`, [owner, name]),
      'the repository',
    );
    const entry = async () =>
      must(
        (
          (await h.http().get('/api/v1/sync/status').set('Cookie', auth()).expect(200)).body as SyncStatus
        ).repos.find((r) => r.repoFullName === full),
        'a status entry',
      );
    /** What the runs say, read from them directly. */
    const recount = async () =>
      firstRow<{ last_success_at: Date | null; last_error: string | null; progress: number | null }>(
        ds.query(
          `SELECT (SELECT finished_at FROM sync_runs WHERE repo_id = $1 AND status = 'succeeded'
                    ORDER BY queued_at DESC LIMIT 1) AS last_success_at,
                  (SELECT error FROM sync_runs e WHERE repo_id = $1 AND status IN ('failed', 'partial')
                      AND queued_at > COALESCE((SELECT max(queued_at) FROM sync_runs WHERE repo_id = $1
                                                  AND status = 'succeeded'), '-infinity')
                    ORDER BY queued_at DESC LIMIT 1) AS last_error,
                  (SELECT progress FROM sync_runs WHERE repo_id = $1 AND status = 'running' LIMIT 1) AS progress`,
          [repoId],
        ),
        'a recount',
      );
    const sameAsRecount = async () => {
      const [shown, want] = [await entry(), await recount()];
      expect(shown.lastSuccessAt).toBe(
        want.last_success_at ? new Date(want.last_success_at).toISOString() : null,
      );
      expect(shown.lastError).toBe(want.last_error);
      expect(shown.progress).toBe(want.progress);
      return shown;
    };
    const before = await sameAsRecount();
    expect(before.lastSuccessAt).not.toBeNull();

    const { id: runId } = await firstRow<{ id: string }>(
      ds.query(
        `INSERT INTO sync_runs (repo_id, trigger, status, started_at, progress) VALUES ($1, 'manual', 'running', now(), 40)
         RETURNING id`,
        [repoId],
      ),
      'the run',
    );
    expect(await sameAsRecount()).toMatchObject({ running: true, progress: 40 });
    const totals = async () => {
      const body = (await h.http().get('/api/v1/sync/status').set('Cookie', auth()).expect(200))
        .body as SyncStatus;
      return { tracked: body.tracked, running: body.running };
    };
    expect(await totals()).toEqual({ tracked: repos.length, running: 1 });
    await ds.query(`UPDATE sync_runs SET progress = 70 WHERE id = $1`, [runId]);
    expect((await sameAsRecount()).progress).toBe(70);
    await ds.query(
      `UPDATE sync_runs SET status = 'failed', error = 'boom', finished_at = now() WHERE id = $1`,
      [runId],
    );
    expect(await sameAsRecount()).toMatchObject({ running: false, lastError: 'boom' });
    expect(await totals()).toEqual({ tracked: repos.length, running: 0 });

    // Retention prunes the last success: the state follows the runs that are left.
    await ds.query(`DELETE FROM sync_runs WHERE repo_id = $1 AND status = 'succeeded'`, [repoId]);
    expect((await sameAsRecount()).lastSuccessAt).toBeNull();
    await ds.query(
      `INSERT INTO sync_runs (repo_id, trigger, status, queued_at, started_at, finished_at, progress)
       VALUES ($1, 'manual', 'succeeded', now(), now(), now(), 100)`,
      [repoId],
    );
    expect(await sameAsRecount()).toMatchObject({ lastError: null });
    expect((await entry()).lastSuccessAt).not.toBeNull();
  });

  it('POST /repos/{o}/{r}/sync queues one run, and a second request gets the same waiting run', async () => {
    const [first, second] = await Promise.all([
      h.http().post(`/api/v1/repos/${repos[0]}/sync`).set('Cookie', auth()).set(CSRF),
      h.http().post(`/api/v1/repos/${repos[0]}/sync`).set('Cookie', auth()).set(CSRF),
    ]);
    expect([first.status, second.status]).toEqual([202, 202]);
    const results = [first.body, second.body] as [SyncTriggerResult, SyncTriggerResult];
    expect(results.map((r) => r.queued).sort()).toEqual([0, 1]);
    const queued = must(results[0].runs[0], 'the run in the first answer');
    expect(queued.id).toBe(must(results[1].runs[0], 'the run in the second answer').id);
    expect(queued.trigger).toBe('manual');
    await allRunsSettled(ds);
    const run = must(
      (await runsOf(ds)).find((r) => r.id === queued.id),
      'the queued run',
    );
    expect(run.status).toBe('succeeded');
  });

  it('a run counts the rows it wrote, not the ones GitHub sent again unchanged', async () => {
    const syncNow = async (): Promise<Record<string, number>> => {
      const res = await h.http().post(`/api/v1/repos/${repos[0]}/sync`).set('Cookie', auth()).set(CSRF);
      const id = must((res.body as SyncTriggerResult).runs[0], 'the queued run').id;
      await allRunsSettled(ds);
      const run = must(
        (await runsOf(ds)).find((r) => r.id === id),
        'the manual run',
      );
      expect(run.status).toBe('succeeded');
      return run.items;
    };
    // A manual run reads the most recently updated pull requests again; none changed since the last run.
    expect(await syncNow()).toMatchObject({ commits: 0, pulls: 0 });

    const [owner, name] = splitFullName(repos[0]);
    const [pr] = (await ds.query(
      `SELECT p.number FROM pull_requests p JOIN repositories r ON r.id = p.repo_id
        WHERE r.full_name = $1 ORDER BY p.updated_at DESC LIMIT 1`,
      [repos[0]],
    )) as Array<{ number: number }>;
    await h.sim.world.updatePull({
      owner,
      repo: name,
      number: must(pr, 'a stored pull request').number,
      title: 'Retitled on GitHub',
    });
    expect(await syncNow()).toMatchObject({ commits: 0, pulls: 1 });
  });

  it('POST /sync queues every tracked repository', async () => {
    const res = await h.http().post('/api/v1/sync').set('Cookie', auth()).set(CSRF).expect(202);
    const body = res.body as SyncTriggerResult;
    expect(body.runs.map((r) => r.repoFullName).sort()).toEqual([...repos].sort());
    expect(body.queued + body.alreadyQueued).toBe(2);
    await allRunsSettled(ds);
  });

  it('pages GET /sync/runs with an opaque cursor and filters by repository', async () => {
    const first = await h
      .http()
      .get('/api/v1/sync/runs')
      .query({ limit: 2 })
      .set('Cookie', auth())
      .expect(200);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await h
      .http()
      .get('/api/v1/sync/runs')
      .query({ limit: 2, cursor: first.body.nextCursor })
      .set('Cookie', auth())
      .expect(200);
    const ids = [...first.body.items, ...second.body.items].map((r: SyncRun) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    const only = await h
      .http()
      .get('/api/v1/sync/runs')
      .query({ repo: repos[1] })
      .set('Cookie', auth())
      .expect(200);
    expect(only.body.items.every((r: SyncRun) => r.repoFullName === repos[1])).toBe(true);
  });

  it('answers bad input with 4xx and a clear message, never 500', async () => {
    const bad = [
      h.http().post('/api/v1/repos/octocat/..%2Fx/sync').set('Cookie', auth()).set(CSRF),
      h.http().post('/api/v1/repos/octocat/no-such-repo/sync').set('Cookie', auth()).set(CSRF),
      h.http().get('/api/v1/sync/runs').query({ repo: 'not a repo' }).set('Cookie', auth()),
      h.http().get('/api/v1/sync/runs').query({ cursor: 'garbage!' }).set('Cookie', auth()),
      h.http().get('/api/v1/sync/runs').query({ limit: 100000 }).set('Cookie', auth()),
      h.http().get('/api/v1/sync/runs').query({ unknown: 1 }).set('Cookie', auth()),
      h.http().get('/api/v1/sync/status').query({ limit: 0 }).set('Cookie', auth()),
      h.http().get('/api/v1/sync/status').query({ cursor: 'garbage!' }).set('Cookie', auth()),
    ];
    // A cursor of the runs list is refused by the status list.
    const runsPage = await h.http().get('/api/v1/sync/runs').query({ limit: 1 }).set('Cookie', auth());
    bad.push(
      h
        .http()
        .get('/api/v1/sync/status')
        .query({ cursor: must(runsPage.body.nextCursor as string | null, 'a runs cursor') })
        .set('Cookie', auth()),
    );
    const statuses = (await Promise.all(bad)).map((r) => [r.status, r.body.message]);
    expect(statuses.map((s) => s[0])).toEqual([400, 404, 400, 400, 400, 400, 400, 400, 400]);
    for (const [, message] of statuses) expect(message).toBeTruthy();
    await h.http().post('/api/v1/sync').set('Cookie', auth()).expect(403); // no CSRF header
    await h.http().get('/api/v1/sync/status').expect(401);
  });

  it('a scheduled cycle is opened once per firing, syncs each repository once and costs nothing for unchanged ones', async () => {
    const cron = h.t.app.get(SyncCronJob);
    const fired = new Date();
    const [a, b] = await Promise.all([
      cron.startCycle(fired),
      cron.startCycle(new Date(fired.getTime() + 150)),
    ]);
    expect([a, b].filter(Boolean)).toHaveLength(1);
    const slot = must(a ?? b, 'an opened cycle');
    await waitFor('the cycle to finish', async () => {
      const rows = (await ds.query(`SELECT finished_at FROM sync_cycles WHERE slot = $1`, [slot])) as Array<{
        finished_at: Date | null;
      }>;
      return rows[0]?.finished_at;
    });
    await allRunsSettled(ds);
    const cycleRuns = (await runsOf(ds)).filter(
      (r) => r.cycle_slot && new Date(r.cycle_slot).getTime() === slot.getTime(),
    );
    expect(cycleRuns.map((r) => r.repo_id).sort()).toEqual(
      [...new Set(cycleRuns.map((r) => r.repo_id))].sort(),
    );
    expect(cycleRuns).toHaveLength(2);
    for (const r of cycleRuns) {
      expect(r.status).toBe('succeeded');
      expect(r.graphql_points).toBe(0);
      expect(r.rest_requests).toBe(0);
    }
    const [cycle] = (await ds.query(`SELECT repos, detection_points FROM sync_cycles WHERE slot = $1`, [
      slot,
    ])) as Array<{ repos: number; detection_points: number }>;
    expect(cycle).toEqual({ repos: 2, detection_points: 1 });
  });

  const nextCycle = async (): Promise<Date> => {
    // Far enough from every earlier cycle for the yearly test schedule.
    const slot = await h.t.app
      .get(SyncCronJob)
      .startCycle(new Date(Date.now() + (cycles += 1) * 400 * 86_400_000));
    const opened = must(slot, 'an opened cycle');
    await waitFor(
      'the cycle',
      async () =>
        (
          (await ds.query(`SELECT finished_at FROM sync_cycles WHERE slot = $1`, [opened])) as Array<{
            finished_at: Date | null;
          }>
        )[0]?.finished_at,
    );
    await allRunsSettled(ds);
    return opened;
  };
  let cycles = 0;

  it('records each user’s access at every cycle, and an archived repository keeps syncing with a timeline entry', async () => {
    const [owner, name] = splitFullName(repos[1]);
    const { id: repoId } = await firstRow<{ id: string }>(
      ds.query(`SELECT id FROM repositories WHERE full_name = $1`, [repos[1]]),
      'the repository row',
    );
    const before = (await ds.query(`SELECT checked_at FROM repo_access WHERE repo_id = $1`, [
      repoId,
    ])) as Array<{ checked_at: Date }>;
    expect(before).toHaveLength(1);
    await h.sim.world.archiveRepo({ owner, repo: name, sender: 'octocat' });
    await nextCycle();
    const after = (await ds.query(`SELECT checked_at FROM repo_access WHERE repo_id = $1`, [
      repoId,
    ])) as Array<{ checked_at: Date }>;
    expect(new Date(must(after[0], 'the access check after').checked_at).getTime()).toBeGreaterThan(
      new Date(must(before[0], 'the access check before').checked_at).getTime(),
    );
    const repo = await firstRow<{ archived: boolean }>(
      ds.query(`SELECT archived FROM repositories WHERE id = $1`, [repoId]),
      'the repository row',
    );
    expect(repo.archived).toBe(true);
    const events = (await ds.query(
      `SELECT type FROM activity_events WHERE repo_id = $1 AND type = 'repo_archived'`,
      [repoId],
    )) as unknown[];
    expect(events).toHaveLength(1);
    const run = must((await runsOf(ds, repoId)).at(-1), 'the latest run');
    expect(run.status).toBe('succeeded');
  });

  it('a renamed repository is followed by its id: names updated, timeline entry, state shown', async () => {
    const [owner, name] = splitFullName(repos[0]);
    await h.sim.world.renameRepo({ owner, repo: name, name: `${name}-renamed`, sender: 'octocat' });
    await nextCycle();
    const { full_name, github_state } = await firstRow<{ full_name: string; github_state: string }>(
      ds.query(`SELECT full_name, github_state FROM repositories WHERE full_name = $1`, [
        `${owner}/${name}-renamed`,
      ]),
      'the renamed repository',
    );
    expect(full_name).toBe(`${owner}/${name}-renamed`);
    expect(github_state).toBe('renamed');
    const renamed = (await ds.query(
      `SELECT data FROM activity_events WHERE type = 'repo_renamed'`,
    )) as Array<{ data: Record<string, unknown> }>;
    expect(renamed.map((r) => r.data)).toEqual([
      { from: `${owner}/${name}`, to: `${owner}/${name}-renamed`, transferred: false },
    ]);
    const res = await h.http().get('/api/v1/sync/status').set('Cookie', auth()).expect(200);
    expect((res.body as SyncStatus).repos.map((r) => r.repoFullName)).toContain(`${owner}/${name}-renamed`);
    repos[0] = `${owner}/${name}-renamed`;
  });

  it('a transferred repository is followed too: new owner, timeline entry, state shown, still readable when public', async () => {
    const [owner, name] = splitFullName(repos[0]);
    await h.sim.world.transferRepo({ owner, repo: name, newOwner: 'hubot', sender: 'octocat' });
    await nextCycle();
    const row = await firstRow<{ id: string; full_name: string; owner: string; github_state: string }>(
      ds.query(`SELECT id, full_name, owner, github_state FROM repositories WHERE full_name = $1`, [
        `hubot/${name}`,
      ]),
      'the transferred repository',
    );
    expect(row).toMatchObject({
      owner: 'hubot',
      github_state: 'transferred',
    });
    const moved = (await ds.query(
      `SELECT title, data FROM activity_events WHERE type = 'repo_renamed' AND data->>'transferred' = 'true'`,
    )) as Array<{ title: string; data: Record<string, unknown> }>;
    expect(moved).toEqual([
      {
        title: `${owner}/${name} was transferred to hubot/${name}`,
        data: { from: `${owner}/${name}`, to: `hubot/${name}`, transferred: true },
      },
    ]);
    const run = must((await runsOf(ds, row.id)).at(-1), 'the latest run');
    expect(run.status).toBe('succeeded');
    await h.http().get(`/api/v1/repos/hubot/${name}`).set('Cookie', auth()).expect(200);
    repos[0] = `hubot/${name}`;
  });

  it('when the user’s access is removed, two runs in a row see it, then their access is dropped, "sync now" answers 404 and status says why', async () => {
    const [owner, name] = splitFullName(repos[1]);
    const { id: repoId } = await firstRow<{ id: string }>(
      ds.query(`SELECT id FROM repositories WHERE full_name = $1`, [repos[1]]),
      'the repository row',
    );
    await h.sim.world.revokeAccess({ owner, repo: name, login: 'octocat' });
    // A run already on its way (as the schedule queues it) finds out from GitHub itself; one 404 is not enough.
    await h.t.app.get(SyncQueue).enqueueRepo(repoId, 'schedule');
    await allRunsSettled(ds);
    const once = must((await runsOf(ds, repoId)).at(-1), 'the first run after the revocation');
    expect(once).toMatchObject({ status: 'failed' });
    expect(once.error).toMatch(/access is kept until the next sync/);
    expect(await ds.query(`SELECT 1 FROM repo_access WHERE repo_id = $1`, [repoId])).toHaveLength(1);
    await h.t.app.get(SyncQueue).enqueueRepo(repoId, 'schedule');
    await allRunsSettled(ds);
    const run = must((await runsOf(ds, repoId)).at(-1), 'the latest run');
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/access/);
    expect(await ds.query(`SELECT 1 FROM repo_access WHERE repo_id = $1`, [repoId])).toHaveLength(0);
    const { github_state } = await firstRow<{ github_state: string }>(
      ds.query(`SELECT github_state FROM repositories WHERE id = $1`, [repoId]),
      'the repository row',
    );
    expect(github_state).toBe('access_lost');
    // "Sync now" asks GitHub about the requester first: nothing is queued for someone who lost access.
    await h.http().post(`/api/v1/repos/${repos[1]}/sync`).set('Cookie', auth()).set(CSRF).expect(404);
    const res = await h.http().get('/api/v1/sync/status').set('Cookie', auth()).expect(200);
    const entry = must(
      (res.body as SyncStatus).repos.find((r) => r.repoId === repoId),
      'a status entry',
    );
    expect(entry.lastError).toMatch(/no longer gives you access/);
    // The repository's data is no longer served to this user.
    await h.http().get(`/api/v1/repos/${repos[1]}`).set('Cookie', auth()).expect(404);
    // And the next cycle neither crashes nor queues it while nobody can see it.
    await nextCycle();
    expect((await runsOf(ds, repoId)).at(-1)?.id).toBe(run.id);
  });

  it('a deleted public repository is marked deleted and its run ends with the reason', async () => {
    const [owner, name] = splitFullName(repos[0]);
    const { id: repoId } = await firstRow<{ id: string }>(
      ds.query(`SELECT id FROM repositories WHERE full_name = $1`, [repos[0]]),
      'the repository row',
    );
    await h.sim.world.deleteRepo({ owner, repo: name, sender: owner }); // its owner now (transferred above)
    // Two runs in a row must see the 404 before anything is concluded.
    for (let i = 0; i < 2; i++) {
      await h.http().post(`/api/v1/repos/${repos[0]}/sync`).set('Cookie', auth()).set(CSRF).expect(202);
      await allRunsSettled(ds);
    }
    const run = must((await runsOf(ds, repoId)).at(-1), 'the latest run');
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/no longer exists/);
    const { github_state } = await firstRow<{ github_state: string }>(
      ds.query(`SELECT github_state FROM repositories WHERE id = $1`, [repoId]),
      'the repository row',
    );
    expect(github_state).toBe('deleted');
    const res = await h.http().get('/api/v1/sync/status').set('Cookie', auth()).expect(200);
    expect(
      must(
        (res.body as SyncStatus).repos.find((r) => r.repoId === repoId),
        'a status entry',
      ).lastError,
    ).toMatch(/deleted/);
  });

  // Last: the simulator's GraphQL budget for this user stays spent until its hourly reset.
  it('a spent GraphQL budget pauses the run until GitHub’s reset instead of failing, and status says when it resumes', async () => {
    h.sim.setFaults({ exhaustPrimary: 'graphql' });
    const full = must(
      ownedRepos(h.sim, 'octocat').find((n) => !repos.includes(n)),
      'an untracked repository',
    );
    await h.http().post(`/api/v1/repos/${full}/track`).set('Cookie', auth()).set(CSRF).expect(201);
    const { id: repoId } = await firstRow<{ id: string }>(
      ds.query(`SELECT id FROM repositories WHERE full_name = $1`, [full]),
      'the repository row',
    );
    const run = await waitFor('the run to pause', async () =>
      (await runsOf(ds, repoId)).find((r) => r.paused_until !== null),
    );
    expect(run.status).toBe('queued');
    expect(run.error).toMatch(/rate limit/);
    expect(new Date(must(run.paused_until, 'paused_until')).getTime()).toBeGreaterThan(
      Date.now() + 30 * 60_000,
    );
    const res = await h.http().get('/api/v1/sync/status').set('Cookie', auth()).expect(200);
    const entry = must(
      (res.body as SyncStatus).repos.find((r) => r.repoId === repoId),
      'a status entry',
    );
    expect(entry.nextScheduledAt).toBe(new Date(must(run.paused_until, 'paused_until')).toISOString());
    expect(
      must(
        (res.body as SyncStatus).rateLimits.find((b) => b.resource === 'graphql'),
        'graphql budget',
      ).remaining,
    ).toBe(0);
    // The job waiting for the reset is already queued, so a manual request joins it instead of spending.
    const again = await h
      .http()
      .post(`/api/v1/repos/${full}/sync`)
      .set('Cookie', auth())
      .set(CSRF)
      .expect(202);
    expect((again.body as SyncTriggerResult).alreadyQueued).toBe(1);
    h.sim.setFaults({});
  });
});
