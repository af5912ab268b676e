import type { GithubSimHandle } from '@trackeep/github-sim';
import { createTestDatabase, type TestDatabase } from '@trackeep/testing';
import { API_TEMPLATE_DB } from './support/test-app';
import { startApiProcess, type ApiProcess } from '../bench/sync/api-process';
import {
  ownedRepos,
  replicaEnv,
  seedTrackingUser,
  startSyncApp,
  waitFor,
  type SyncApp,
} from './sync-support/sync-app';
import { firstRow, startSim } from './sync-support/sync-harness';

const PERIOD_S = 5;

describe('two API replicas on one database with the same schedule', () => {
  let sim: GithubSimHandle;
  let db: TestDatabase;
  let control: SyncApp;
  const replicas: ApiProcess[] = [];
  let repoCount = 0;

  beforeAll(async () => {
    sim = await startSim({ sizes: { reposPerOwner: 3 } });
    db = await createTestDatabase(API_TEMPLATE_DB);
    control = await startSyncApp(db.url, sim, { SYNC_ENABLED: 'false' });
    const { repos } = await seedTrackingUser(control.app, sim, 'octocat', ownedRepos(sim, 'octocat'));
    repoCount = repos.length;
  });
  afterAll(async () => {
    for (const r of replicas) await r.stop();
    await control.close();
    await db.drop();
    await sim.stop();
  });

  it('opens each cycle once and syncs every repository exactly once per cycle', async () => {
    const env = replicaEnv(db.url, sim, { SYNC_CRON: `*/${PERIOD_S} * * * * *` });
    replicas.push(...(await Promise.all([startApiProcess(env), startApiProcess(env)])));
    const ds = control.ds;
    await waitFor(
      'three finished cycles',
      async () =>
        (
          await firstRow<{ n: number }>(
            ds.query(`SELECT count(*)::int AS n FROM sync_cycles WHERE finished_at IS NOT NULL`),
            'the finished cycle count',
          )
        ).n >= 3,
      90_000,
      500,
    );
    await Promise.all(replicas.splice(0).map((r) => r.stop()));

    const cycles = (await ds.query(
      `SELECT slot, repos FROM sync_cycles WHERE finished_at IS NOT NULL ORDER BY slot`,
    )) as Array<{ slot: Date; repos: number }>;
    // Both replicas' crons fired every period; only one cycle per firing was opened.
    let previous: { slot: Date } | undefined;
    for (const cycle of cycles) {
      if (previous)
        expect(new Date(cycle.slot).getTime() - new Date(previous.slot).getTime()).toBeGreaterThanOrEqual(
          PERIOD_S * 1000,
        );
      previous = cycle;
    }
    for (const cycle of cycles) {
      expect(cycle.repos).toBe(repoCount);
      const runs = (await ds.query(`SELECT repo_id, status FROM sync_runs WHERE cycle_slot = $1`, [
        cycle.slot,
      ])) as Array<{ repo_id: string; status: string }>;
      const perRepo = new Map<string, number>();
      for (const r of runs) perRepo.set(r.repo_id, (perRepo.get(r.repo_id) ?? 0) + 1);
      // A cycle whose repository already had a run waiting leaves it to that run; never two runs per cycle.
      expect([...perRepo.values()].every((n) => n === 1)).toBe(true);
      expect(runs.length).toBeLessThanOrEqual(repoCount);
    }
    // Every repository was synced successfully in the cycles, and no run is left behind as running.
    const { n: succeeded } = await firstRow<{ n: number }>(
      ds.query(
        `SELECT count(DISTINCT repo_id)::int AS n FROM sync_runs WHERE status = 'succeeded' AND cycle_slot IS NOT NULL`,
      ),
      'the count of repositories synced in cycles',
    );
    expect(succeeded).toBe(repoCount);
    const workers = (await ds.query(
      `SELECT DISTINCT worker FROM sync_runs WHERE worker IS NOT NULL`,
    )) as Array<{ worker: string }>;
    expect(workers.length).toBeGreaterThanOrEqual(1);
  });
});
