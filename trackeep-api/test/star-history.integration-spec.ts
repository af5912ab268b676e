import { forksOf, type GithubSimHandle } from '@trackeep/github-sim';
import { inTransaction } from '@trackeep/server-core';
import { randomUUID } from 'node:crypto';
import { splitFullName } from '../src/common/full-name.util';
import { StarHistoryReadRepository } from '../src/repos/star-history-read.repository';
import { pointsBeforeTracking } from '../src/repos/star-history.points';
import type { DetectionHint } from '../src/sync/engine/repo-sync.engine';
import { SYNC_DETECT_QUERY } from '../src/sync/github/sync-graphql.queries';
import type { DetectData, DetectedRepoNode } from '../src/sync/github/sync-graphql.types';
import { hintOf } from '../src/sync/jobs/sync-cycle.job';
import type { ApplyContext, Json } from '../src/webhooks/processors/apply-context';
import { REPO_APPLIERS } from '../src/webhooks/processors/event-appliers';
import {
  applyRecordedDeliveries,
  recordDeliveries,
  createSyncDb,
  engineRunner,
  must,
  startSim,
  syncDb,
  type SyncDbFixture,
} from './sync-support/sync-harness';

/** GitHub's timestamps are to the second. */
const iso = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString();

/** The repository's stargazers and forks as the simulated GitHub has them now. */
function worldHistory(sim: GithubSimHandle, fullName: string) {
  const [owner, name] = splitFullName(fullName);
  const repo = must(sim.world.repo(owner, name), 'the simulated repository');
  return {
    stargazers: sim.world
      .detail(repo)
      .stars.map((s) => ({
        user_github_id: String(s.userId),
        login: must(sim.world.users.get(s.userId), 'a stargazer').login,
        starred_at: iso(s.starredAt),
      }))
      .sort((a, b) => a.user_github_id.localeCompare(b.user_github_id)),
    forks: forksOf(sim.world, repo)
      .map((f) => ({
        fork_github_id: String(f.id),
        full_name: sim.world.fullName(f),
        created_at: iso(f.createdAt),
      }))
      .sort((a, b) => a.fork_github_id.localeCompare(b.fork_github_id)),
  };
}

/** What a database holds (every column a source writes; confirmed_at is bookkeeping). */
async function storedHistory(fx: SyncDbFixture, repoId: string) {
  const stargazers = (await fx.ds.query(
    `SELECT user_github_id::text, login, starred_at FROM repo_stargazers WHERE repo_id = $1 ORDER BY 1`,
    [repoId],
  )) as Array<{ user_github_id: string; login: string; starred_at: Date }>;
  const forks = (await fx.ds.query(
    `SELECT fork_github_id::text, full_name, created_at FROM repo_forks WHERE repo_id = $1 ORDER BY 1`,
    [repoId],
  )) as Array<{ fork_github_id: string; full_name: string; created_at: Date }>;
  return {
    stargazers: stargazers.map((s) => ({ ...s, starred_at: s.starred_at.toISOString() })),
    forks: forks.map((f) => ({ ...f, created_at: f.created_at.toISOString() })),
  };
}

/** What the scheduled cycle's change detection tells the repository's job. */
async function detect(runner: ReturnType<typeof engineRunner>, nodeId: string): Promise<DetectionHint> {
  const res = await runner.gateway.graphql<DetectData>(SYNC_DETECT_QUERY, { ids: [nodeId] }, { detect: 1 });
  return hintOf(must(res.data?.nodes[0], 'the detected repository') as DetectedRepoNode);
}

describe('stars and forks history', () => {
  let sim: GithubSimHandle;
  let fx: SyncDbFixture;
  let repo: { id: string; fullName: string; nodeId: string };
  const ref = () => {
    const [owner, name] = splitFullName(repo.fullName);
    return { owner, repo: name };
  };
  /** Users who join GitHub now (every generated user may have starred the repository already). */
  let joined = 0;
  const newUsers = (n: number) =>
    Array.from({ length: n }, () => sim.world.addUser({ login: `newcomer-${++joined}` }));

  beforeAll(async () => {
    // Enough users for two pages of stargazers, and forks across the repository's life.
    sim = await startSim({
      seed: 3,
      sizes: {
        users: 170,
        starsPerRepo: 1000,
        forksPerRepo: 200,
        reposPerOwner: 1,
        commitsPerRepo: 30,
        pullsPerRepo: 4,
      },
    });
    fx = await createSyncDb(sim);
    const seed = must(fx.repos[0], 'the tracked repository');
    const [row] = (await fx.ds.query(`SELECT node_id FROM repositories WHERE id = $1`, [seed.id])) as Array<{
      node_id: string;
    }>;
    repo = { ...seed, nodeId: must(row, 'the repository row').node_id };
  });
  afterAll(async () => {
    await fx.close();
    await sim.stop();
  });

  it('the first sync stores every stargazer and fork GitHub lists, with their dates, at a point per page', async () => {
    const runner = engineRunner(sim, fx);
    expect((await runner.run(repo.id)).status).toBe('succeeded');
    const world = worldHistory(sim, repo.fullName);
    expect(world.stargazers.length).toBeGreaterThan(100);
    expect(world.forks.length).toBeGreaterThan(5);
    expect(await storedHistory(fx, repo.id)).toEqual(world);
    // Two stargazers pages and one forks page, riding along the backfill's rounds or alone: never above a point each.
    expect(runner.meter.pointsByStream['stargazers']).toBeGreaterThan(0);
    expect(runner.meter.pointsByStream['stargazers']).toBeLessThanOrEqual(2);
    expect(runner.meter.pointsByStream['forks']).toBeLessThanOrEqual(1);
  });

  it('the chart data covers the whole history: from the first star, before tracking began', async () => {
    const reader = new StarHistoryReadRepository(syncDb(fx.ds));
    const days = await reader.perDay(repo.id);
    const first = await reader.firstSnapshotAt(repo.id);
    const points = pointsBeforeTracking(days, first, { since: '2000-01-01' }, 2000);
    const world = worldHistory(sim, repo.fullName);
    const firstStar = world.stargazers.map((s) => s.starred_at).sort()[0] as string;
    expect(points[0]?.capturedAt.slice(0, 10)).toBe(firstStar.slice(0, 10));
    // The simulated history ends before tracking began (the world's clock is in the past): all of it is drawn.
    expect(points[points.length - 1]).toMatchObject({
      stars: world.stargazers.length,
      forks: world.forks.length,
      watchers: null,
    });
  });

  it('a re-sync with nothing changed asks GitHub nothing for stargazers or forks', async () => {
    const withHint = engineRunner(sim, fx);
    const hint = await detect(withHint, repo.nodeId);
    const queriesForDetect = withHint.meter.graphqlQueries;
    expect((await withHint.run(repo.id, hint)).status).toBe('succeeded');
    expect(withHint.meter.graphqlQueries).toBe(queriesForDetect);
    // Without a hint the refs are read again (a point), but still no stargazers or forks.
    const noHint = engineRunner(sim, fx);
    expect((await noHint.run(repo.id)).status).toBe('succeeded');
    expect(noHint.meter.pointsByStream['stargazers']).toBeUndefined();
    expect(noHint.meter.pointsByStream['forks']).toBeUndefined();
  });

  it('new stars cost one page, newest first, stopping at what is stored', async () => {
    for (const u of newUsers(3)) await sim.world.star({ ...ref(), login: u.login });
    const runner = engineRunner(sim, fx);
    const hint = await detect(runner, repo.nodeId);
    const detectPoints = runner.meter.graphqlPoints;
    expect((await runner.run(repo.id, hint)).status).toBe('succeeded');
    expect(runner.meter.graphqlPoints - detectPoints).toBe(1);
    expect(runner.meter.pointsByStream['stargazers']).toBe(1);
    expect(await storedHistory(fx, repo.id)).toEqual(worldHistory(sim, repo.fullName));
  });

  it('unstars no webhook reported are found by one full re-read, which removes them', async () => {
    const world = worldHistory(sim, repo.fullName);
    for (const s of world.stargazers.slice(0, 2)) await sim.world.unstar({ ...ref(), login: s.login });
    await sim.world.star({ ...ref(), login: must(newUsers(1)[0], 'a user to star').login });
    const runner = engineRunner(sim, fx);
    expect((await runner.run(repo.id, await detect(runner, repo.nodeId))).status).toBe('succeeded');
    expect(await storedHistory(fx, repo.id)).toEqual(worldHistory(sim, repo.fullName));
    // The newest page, then both pages again.
    expect(runner.meter.pointsByStream['stargazers']).toBe(3);
    const again = engineRunner(sim, fx);
    expect((await again.run(repo.id, await detect(again, repo.nodeId))).status).toBe('succeeded');
    expect(again.meter.pointsByStream['stargazers']).toBeUndefined();
  });

  it('star created and deleted and fork webhooks write the rows a sync writes', async () => {
    const byWebhook = await createSyncDb(sim);
    try {
      const hooked = must(byWebhook.repos[0], 'the repository tracked by webhooks');
      expect((await engineRunner(sim, byWebhook).run(hooked.id)).status).toBe('succeeded');
      const delivered = await recordDeliveries(sim, repo.fullName, ['*']);

      const [newcomer, another] = newUsers(2);
      if (!newcomer || !another) throw new Error('expected two new users');
      const leaving = must(worldHistory(sim, repo.fullName).stargazers[5], 'a stargazer');
      const forker = must(newUsers(1)[0], 'a user to fork');
      await sim.world.star({ ...ref(), login: newcomer.login });
      await sim.world.star({ ...ref(), login: another.login });
      await sim.world.unstar({ ...ref(), login: leaving.login });
      await sim.world.fork({ ...ref(), login: forker.login });
      await sim.world.settled();
      const deliveries = sim.world.deliveries
        .slice(delivered)
        .filter((d) => d.event === 'star' || d.event === 'fork');
      expect(deliveries.map((d) => `${d.event}.${d.action ?? ''}`)).toEqual([
        'star.created',
        'star.created',
        'star.deleted',
        'fork.',
      ]);

      await applyRecordedDeliveries(byWebhook, hooked, deliveries);

      const runner = engineRunner(sim, fx);
      expect((await runner.run(repo.id, await detect(runner, repo.nodeId))).status).toBe('succeeded');
      const synced = await storedHistory(fx, repo.id);
      expect(synced).toEqual(worldHistory(sim, repo.fullName));
      expect(await storedHistory(byWebhook, hooked.id)).toEqual(synced);
      expect(synced.stargazers.map((s) => s.login)).toContain(newcomer.login);
      expect(synced.stargazers.map((s) => s.login)).not.toContain(leaving.login);
      expect(synced.forks.map((f) => f.full_name)).toContain(`${forker.login}/${ref().repo}`);

      // Having heard everything by webhook, the next sync reads no stargazers or forks.
      const after = engineRunner(sim, byWebhook);
      expect((await after.run(hooked.id, await detect(after, repo.nodeId))).status).toBe('succeeded');
      expect(after.meter.pointsByStream['stargazers']).toBeUndefined();
      expect(after.meter.pointsByStream['forks']).toBeUndefined();
    } finally {
      await byWebhook.close();
    }
  });

  it('an unstar delivered after the user starred again keeps the newer star', async () => {
    const world = worldHistory(sim, repo.fullName);
    const star = must(world.stargazers[0], 'a stargazer');
    const before = await storedHistory(fx, repo.id);
    await inTransaction(syncDb(fx.ds), async (tx) => {
      const payload: Json = {
        action: 'deleted',
        starred_at: null,
        sender: { id: Number(star.user_github_id) },
      };
      const ctx: ApplyContext = {
        tx,
        delivery: {
          delivery_id: randomUUID(),
          event: 'star',
          action: 'deleted',
          hook_id: null,
          repo_id: repo.id,
          repo_github_id: null,
          signed_with: 'global',
          payload: { ...payload, repository: {} },
          // Received before the star it would remove was given.
          received_at: new Date(Date.parse(star.starred_at) - 60_000),
          status: 'processing',
        },
        payload: { ...payload, repository: {} },
        repo: { id: repo.id, fullName: repo.fullName },
        activity: async () => true,
      };
      await must(REPO_APPLIERS['star'], 'star')(ctx);
    });
    expect(await storedHistory(fx, repo.id)).toEqual(before);
  });
});
