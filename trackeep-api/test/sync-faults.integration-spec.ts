import type { FaultConfig, GithubSimHandle } from '@trackeep/github-sim';
import { RateLimitPausedError, TransientGithubError } from '../src/sync/github/sync-github.errors';
import {
  createSyncDb,
  dumpSyncedData,
  engineRunner,
  must,
  sizes,
  startSim,
  type EngineRunner,
  type SyncDbFixture,
} from './sync-support/sync-harness';

// Big enough for several pages per stream (commits, pull requests), small enough to run in seconds.
const WORLD = {
  preset: 'small' as const,
  seed: 11,
  now: '2025-06-01T12:00:00Z',
  sizes: { commitsPerRepo: 260, pullsPerRepo: 70, reposPerOwner: 2 },
};

/** What a sync-repo job does with one repository: run the engine until it is done, resuming after failures. */
async function syncUntilDone(runner: EngineRunner, repoId: string): Promise<{ transientRestarts: number }> {
  let transientRestarts = 0;
  for (;;) {
    try {
      const outcome = await runner.run(repoId);
      if (outcome.status === 'succeeded') return { transientRestarts };
    } catch (err) {
      if (!(err instanceof TransientGithubError) || ++transientRestarts > 10) throw err;
    }
  }
}

async function syncAll(
  sim: GithubSimHandle,
  fx: SyncDbFixture,
  runner = engineRunner(sim, fx),
): Promise<EngineRunner> {
  for (const repo of fx.repos) await syncUntilDone(runner, repo.id);
  return runner;
}

describe('sync under GitHub faults (simulator fault injection)', () => {
  let sim: GithubSimHandle;
  let baseline: Record<string, unknown[]>;
  const fixtures: SyncDbFixture[] = [];

  beforeAll(async () => {
    sim = await startSim(WORLD);
    const fx = await createSyncDb(sim);
    fixtures.push(fx);
    await syncAll(sim, fx);
    baseline = await dumpSyncedData(fx.ds);
    expect(sizes(baseline).commits).toBeGreaterThan(500);
    expect(sizes(baseline).pulls).toBeGreaterThan(100);
  });
  afterEach(() => sim.setFaults({}));
  afterAll(async () => {
    for (const fx of fixtures) await fx.close();
    await sim.stop();
  });

  async function syncWith(
    faults: FaultConfig,
  ): Promise<{ runner: EngineRunner; dump: Record<string, unknown[]>; injected: number }> {
    const fx = await createSyncDb(sim);
    fixtures.push(fx);
    const before = sim.stats().faults.injectedErrors + sim.stats().rateLimit.secondaryRejections;
    sim.setFaults(faults);
    const runner = await syncAll(sim, fx);
    sim.setFaults({});
    const injected = sim.stats().faults.injectedErrors + sim.stats().rateLimit.secondaryRejections - before;
    return { runner, dump: await dumpSyncedData(fx.ds), injected };
  }

  it('10% of responses answering 502 still ends with exactly the fault-free database', async () => {
    const { dump, injected } = await syncWith({ errorRate: 0.1, errorStatus: 502 });
    expect(injected).toBeGreaterThan(0);
    expect(dump).toEqual(baseline);
  });

  it('10% of responses answering 500 still ends with exactly the fault-free database', async () => {
    const { dump, injected } = await syncWith({ errorRate: 0.1, errorStatus: 500 });
    expect(injected).toBeGreaterThan(0);
    expect(dump).toEqual(baseline);
  });

  it('secondary rate limits (403 + Retry-After) are waited out and the result is identical', async () => {
    const { dump, injected } = await syncWith({
      secondaryRateLimit: { everyN: 4, retryAfterSec: 1, status: 403 },
    });
    expect(injected).toBeGreaterThan(2);
    expect(dump).toEqual(baseline);
  });

  it('secondary rate limits answered with 429 are waited out too', async () => {
    const { dump, injected } = await syncWith({
      secondaryRateLimit: { everyN: 9, retryAfterSec: 1, status: 429 },
    });
    expect(injected).toBeGreaterThan(0);
    expect(dump).toEqual(baseline);
  });

  it('GraphQL 502s on large pages shrink the page size until GitHub copes, with an identical result', async () => {
    const { runner, dump, injected } = await syncWith({ graphqlMaxNodes: 400 });
    expect(injected).toBeGreaterThan(0);
    expect(runner.governor.size('commits')).toBeLessThan(100);
    expect(dump).toEqual(baseline);
  });

  it('a primary budget exhausted mid-run pauses with the cursors saved, and resuming after the reset finishes identically', async () => {
    // A second simulator with the same seed is the same world; its rate-limit window can be "reset" by restarting it.
    const other = await startSim(WORLD);
    try {
      const fx = await createSyncDb(other);
      fixtures.push(fx);
      const runner = engineRunner(other, fx);
      const repo = must(fx.repos[0], 'the fixture’s first repository');
      let paused: RateLimitPausedError | null = null;
      const exhaustAfter = 3;
      const hooked: EngineRunner = {
        ...runner,
        run: async (id, hint) => {
          const timer = setInterval(
            () => runner.pages.length >= exhaustAfter && other.setFaults({ exhaustPrimary: 'graphql' }),
            1,
          );
          try {
            return await runner.run(id, hint);
          } finally {
            clearInterval(timer);
          }
        },
      };
      try {
        await syncUntilDone(hooked, repo.id);
      } catch (err) {
        paused = err as RateLimitPausedError;
      }
      expect(paused).toBeInstanceOf(RateLimitPausedError);
      expect(must(paused, 'a pause').resumeAt.getTime()).toBeGreaterThan(Date.now());
      const saved = (await fx.ds.query(
        `SELECT stream, end_cursor FROM sync_cursors WHERE repo_id = $1 AND end_cursor IS NOT NULL`,
        [repo.id],
      )) as unknown[];
      expect(saved.length).toBeGreaterThan(0);
      // The budget is known to every replica, so another attempt pauses at once without spending anything.
      const again = engineRunner(other, fx);
      await expect(again.run(repo.id)).rejects.toBeInstanceOf(RateLimitPausedError);
      expect(again.meter.graphqlPoints).toBe(0);

      // The window resets: same world, fresh budget. A resumed job first asks GET /rate_limit (free), since
      // the stored budget still says "spent".
      other.setFaults({});
      other.reset();
      const resumed = engineRunner(other, fx);
      await expect(resumed.run(repo.id)).rejects.toBeInstanceOf(RateLimitPausedError);
      await resumed.gateway.probeRateLimit();
      await syncAll(other, fx, resumed);
      // Same world on another port: compare with the simulator's origin taken out of the URLs.
      expect(withoutOrigin(await dumpSyncedData(fx.ds), other.url)).toEqual(withoutOrigin(baseline, sim.url));
    } finally {
      await other.stop();
    }
  });
});

function withoutOrigin(dump: Record<string, unknown[]>, origin: string): unknown {
  return JSON.parse(JSON.stringify(dump).split(origin).join('<sim>'));
}
