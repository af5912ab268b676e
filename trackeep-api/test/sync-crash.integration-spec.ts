import {
  dropDatabase,
  ensureDatabase,
  makeOwnedTempDir,
  startPgCluster,
  type PgCluster,
} from '@trackeep/embedded-pg';
import type { GithubSimHandle } from '@trackeep/github-sim';
import { createTestDatabase } from '@trackeep/testing';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { apiDataSourceOptions } from '../src/database/data-source';
import { SyncQueue } from '../src/sync/jobs/sync-queue.service';
import { API_TEMPLATE_DB } from './support/test-app';
import { startApiProcess, type ApiProcess } from '../bench/sync/api-process';
import {
  allRunsSettled,
  ownedRepos,
  replicaEnv,
  runsOf,
  seedTrackingUser,
  startSyncApp,
  waitFor,
  type SyncApp,
} from './sync-support/sync-app';
import {
  createSyncDb,
  dumpSyncedData,
  engineRunner,
  firstRow,
  must,
  sizes,
  startSim,
} from './sync-support/sync-harness';

// Long enough histories that a sync is surely in the middle when it gets interrupted.
const WORLD = {
  preset: 'small' as const,
  seed: 21,
  now: '2025-06-01T12:00:00Z',
  sizes: { commitsPerRepo: 2500, pullsPerRepo: 120, reposPerOwner: 2 },
};

async function commitCount(ds: DataSource): Promise<number> {
  const { n } = await firstRow<{ n: number }>(
    ds.query(`SELECT count(*)::int AS n FROM commits`),
    'the commit count',
  );
  return n;
}

describe('sync survives a killed worker and a restarted Postgres', () => {
  let sim: GithubSimHandle;
  let baseline: Record<string, unknown[]>;

  beforeAll(async () => {
    sim = await startSim(WORLD);
    const fx = await createSyncDb(sim);
    const runner = engineRunner(sim, fx);
    for (const repo of fx.repos) expect((await runner.run(repo.id)).status).toBe('succeeded');
    baseline = await dumpSyncedData(fx.ds);
    await fx.close();
    expect(sizes(baseline).commits).toBeGreaterThan(4000);
  });
  afterEach(() => sim.setFaults({}));
  afterAll(() => sim.stop());

  it('a worker SIGKILLed mid-sync: another replica retries the job, which resumes and ends with an identical database', async () => {
    const db = await createTestDatabase(API_TEMPLATE_DB);
    let control: SyncApp | null = null;
    const workers: ApiProcess[] = [];
    try {
      // This replica only enqueues; the workers are real API processes.
      control = await startSyncApp(db.url, sim, { SYNC_ENABLED: 'false' });
      const { userId, repos } = await seedTrackingUser(
        control.app,
        sim,
        'octocat',
        ownedRepos(sim, 'octocat'),
      );
      const env = replicaEnv(db.url, sim, { SYNC_STALE_AFTER_SECONDS: '5' });
      sim.setFaults({ latencyMs: 8 });
      const worker = await startApiProcess(env);
      workers.push(worker);
      for (const repo of repos)
        await control.app.get(SyncQueue).enqueueRepo(repo.id, 'manual', { requestedBy: userId });
      await waitFor(
        'the first pages to be written',
        async () => (await commitCount(must(control, 'the control app').ds)) > 600,
        90_000,
        50,
      );
      await worker.kill();

      const interrupted = (await runsOf(control.ds)).filter((r) => r.status === 'running');
      expect(interrupted.length).toBeGreaterThan(0);
      const partial = await commitCount(control.ds);
      expect(partial).toBeLessThan(must(sizes(baseline).commits, 'the baseline’s commit count'));

      sim.setFaults({});
      workers.push(await startApiProcess(env));
      await allRunsSettled(control.ds, 180_000);
      const runs = await runsOf(control.ds);
      expect(runs.map((r) => r.status)).toEqual(runs.map(() => 'succeeded'));
      for (const r of interrupted)
        expect(
          must(
            runs.find((x) => x.id === r.id),
            'the interrupted run',
          ).attempts,
        ).toBeGreaterThanOrEqual(2);
      expect(await dumpSyncedData(control.ds)).toEqual(baseline);
    } finally {
      for (const w of workers) await w.stop();
      await control?.close();
      await db.drop();
    }
  });

  it('Postgres restarted mid-sync: the sync waits for it, resumes from its cursors and ends with an identical database', async () => {
    const dir = makeOwnedTempDir('trackeep-sync-pg-restart');
    let cluster: PgCluster = await startPgCluster({ dataDir: join(dir, 'data'), ephemeral: true });
    let app: SyncApp | null = null;
    try {
      await ensureDatabase(cluster.adminUrl, 'trackeep');
      const url = cluster.urlFor('trackeep');
      const migrate = await new DataSource(apiDataSourceOptions(url, 2)).initialize();
      await migrate.runMigrations({ transaction: 'each' });
      await migrate.destroy();

      app = await startSyncApp(url, sim, {
        SYNC_ENABLED: 'true',
        SYNC_STALE_AFTER_SECONDS: '5',
        SYNC_CONCURRENCY: '2',
      });
      const { userId, repos } = await seedTrackingUser(app.app, sim, 'octocat', ownedRepos(sim, 'octocat'));
      sim.setFaults({ latencyMs: 8 });
      for (const repo of repos)
        await app.app.get(SyncQueue).enqueueRepo(repo.id, 'manual', { requestedBy: userId });
      await waitFor(
        'the first pages to be written',
        async () => (await commitCount(must(app, 'the app').ds)) > 600,
        90_000,
        50,
      );

      const port = cluster.port;
      await cluster.stop();
      await new Promise((r) => setTimeout(r, 1500));
      cluster = await startPgCluster({ dataDir: join(dir, 'data'), port, ephemeral: true });
      sim.setFaults({});

      await allRunsSettled(app.ds, 180_000);
      const runs = await runsOf(app.ds);
      expect(runs.map((r) => r.status)).toEqual(runs.map(() => 'succeeded'));
      expect(await dumpSyncedData(app.ds)).toEqual(baseline);
    } finally {
      await app?.close().catch(() => undefined);
      await dropDatabase(cluster.adminUrl, 'trackeep').catch(() => undefined);
      await cluster.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
