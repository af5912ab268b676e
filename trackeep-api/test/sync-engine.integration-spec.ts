import type { GithubSimHandle } from '@trackeep/github-sim';
import { splitFullName } from '../src/common/full-name.util';
import { CredentialLimits, DEFAULT_LIMIT_SETTINGS } from '../src/sync/github/credential-limits';
import {
  createSyncDb,
  dumpSyncedData,
  engineRunner,
  githubStores,
  must,
  startSim,
  syncDb,
  type SyncDbFixture,
} from './sync-support/sync-harness';

const repoName = 'the simulated repository';

/** Every commit reachable from any branch of the simulated repo, with its parents. */
function worldCommits(
  sim: GithubSimHandle,
  fullName: string,
): Map<string, { additions: number; parents: string[] }> {
  const [owner, name] = splitFullName(fullName);
  const repo = must(sim.world.repo(owner, name), repoName);
  const graph = sim.world.graph(repo);
  const out = new Map<string, { additions: number; parents: string[] }>();
  for (const b of sim.world.detail(repo).branches.values()) {
    for (const c of graph.history(b.tip, { skip: 0, take: 1_000_000 }).commits)
      out.set(c.sha, { additions: c.additions, parents: c.parents });
  }
  return out;
}

/**
 * Each branch against the default branch as GitHub counts them, from the full commit sets (not the simulator's
 * own arithmetic), with the two heads, as `branches` stores them.
 */
function worldComparisons(sim: GithubSimHandle, fullName: string) {
  const [owner, name] = splitFullName(fullName);
  const repo = must(sim.world.repo(owner, name), repoName);
  const graph = sim.world.graph(repo);
  const branches = sim.world.detail(repo).branches;
  const reach = (tip: string) =>
    new Set(graph.history(tip, { skip: 0, take: 1_000_000 }).commits.map((c) => c.sha));
  const main = must(branches.get(repo.defaultBranch), 'default branch').tip;
  const fromMain = reach(main);
  return [...branches.values()]
    .map((b) => {
      const own = reach(b.tip);
      return {
        name: b.name,
        ahead_by: [...own].filter((sha) => !fromMain.has(sha)).length,
        behind_by: [...fromMain].filter((sha) => !own.has(sha)).length,
        compared_sha: b.tip,
        compared_to_sha: main,
      };
    })
    .sort((a, b) => (a.name < b.name ? -1 : 1));
}

async function storedComparisons(fx: SyncDbFixture, repoId: string) {
  return fx.ds.query(
    `SELECT name, ahead_by, behind_by, compared_sha, compared_to_sha FROM branches WHERE repo_id = $1 ORDER BY name`,
    [repoId],
  );
}

function worldPulls(sim: GithubSimHandle, fullName: string) {
  const [owner, name] = splitFullName(fullName);
  const repo = must(sim.world.repo(owner, name), repoName);
  const graph = sim.world.graph(repo);
  return sim.world.detail(repo).pulls.map((p) => {
    // The oldest commit on its head that its base does not have: the first GitHub lists.
    const own = graph
      .history(p.headSha, { skip: 0, take: 1_000_000 })
      .commits.filter((c) => !graph.isAncestor(c.sha, p.baseSha));
    return {
      number: p.number,
      state: p.mergedAt ? 'merged' : p.state,
      reviews: p.reviews.length,
      labels: [...p.labels].sort(),
      firstCommitAt: own.length ? new Date(own[own.length - 1]!.authoredAt).toISOString() : null,
    };
  });
}

describe('RepoSyncEngine resuming', () => {
  it('a run stopped after every page (time slices, shutdown) resumes from its cursors and ends identical to one straight run', async () => {
    const sim = await startSim({
      seed: 5,
      sizes: { commitsPerRepo: 260, pullsPerRepo: 40, reposPerOwner: 1 },
    });
    const straight = await createSyncDb(sim);
    const sliced = await createSyncDb(sim);
    try {
      expect(
        (await engineRunner(sim, straight).run(must(straight.repos[0], 'the straight run’s repository').id))
          .status,
      ).toBe('succeeded');
      const { SyncGithubGateway, SyncMeter } = await import('../src/sync/github/sync-github.gateway');
      const { RepoSyncEngine } = await import('../src/sync/engine/repo-sync.engine');
      const base = engineRunner(sim, sliced);
      let slices = 0;
      const runStartedAt = new Date(Date.now() - 1000);
      const stores = githubStores(sliced.ds);
      for (;;) {
        const engine = new RepoSyncEngine({
          db: syncDb(sliced.ds),
          gateway: new SyncGithubGateway({
            client: base.client,
            credential: sliced.userId,
            graphqlUrl: sim.graphqlUrl,
            etags: stores.etags,
            limits: new CredentialLimits(sliced.userId, DEFAULT_LIMIT_SETTINGS, stores.rateLimits),
            meter: new SyncMeter(),
          }),
          governor: base.governor,
          runStartedAt,
          hooks: { onPage: async () => undefined, shouldYield: () => true },
        });
        slices++;
        if (
          (await engine.run(must(sliced.repos[0], 'the sliced run’s repository').id)).status === 'succeeded'
        )
          break;
        expect(slices).toBeLessThan(100);
      }
      expect(slices).toBeGreaterThan(5);
      expect(await dumpSyncedData(sliced.ds)).toEqual(await dumpSyncedData(straight.ds));
    } finally {
      await straight.close();
      await sliced.close();
      await sim.stop();
    }
  }, 180_000);
});

describe('RepoSyncEngine against the GitHub simulator', () => {
  let sim: GithubSimHandle;
  let fx: SyncDbFixture;

  beforeAll(async () => {
    sim = await startSim();
    fx = await createSyncDb(sim);
  });
  afterAll(async () => {
    await fx.close();
    await sim.stop();
  });

  it('backfills every commit reachable from every branch, with line stats and parents', async () => {
    const runner = engineRunner(sim, fx);
    for (const repo of fx.repos) {
      const outcome = await runner.run(repo.id);
      expect(outcome.status).toBe('succeeded');
      const world = worldCommits(sim, repo.fullName);
      const rows = (await fx.ds.query(`SELECT sha, additions, parents FROM commits WHERE repo_id = $1`, [
        repo.id,
      ])) as Array<{ sha: string; additions: number; parents: string[] }>;
      expect(rows.map((r) => r.sha).sort()).toEqual([...world.keys()].sort());
      for (const r of rows) {
        expect(r.additions).toBe(must(world.get(r.sha), r.sha).additions);
        expect(r.parents).toEqual(must(world.get(r.sha), r.sha).parents);
      }
    }
    expect(runner.meter.graphqlPoints).toBeGreaterThan(0);
  });

  it('records the default branch’s full history on branch_commits', async () => {
    const repo = must(fx.repos[0], 'the first repository');
    const [owner, name] = splitFullName(repo.fullName);
    const simRepo = must(sim.world.repo(owner, name), repoName);
    const tip = must(sim.world.detail(simRepo).branches.get(simRepo.defaultBranch), 'default branch').tip;
    const history = sim.world
      .graph(simRepo)
      .history(tip, { skip: 0, take: 1_000_000 })
      .commits.map((c) => c.sha);
    const rows = (await fx.ds.query(`SELECT sha FROM branch_commits WHERE repo_id = $1 AND branch = $2`, [
      repo.id,
      simRepo.defaultBranch,
    ])) as Array<{ sha: string }>;
    expect(rows.map((r) => r.sha).sort()).toEqual([...history].sort());
  });

  it('stores every pull request in its current state with review counts, labels and when its first commit was written', async () => {
    let withFirstCommit = 0;
    for (const repo of fx.repos) {
      const rows = (await fx.ds.query(
        `SELECT number, state, review_count, labels, first_commit_at FROM pull_requests WHERE repo_id = $1 ORDER BY number`,
        [repo.id],
      )) as Array<{
        number: number;
        state: string;
        review_count: number;
        labels: string[];
        first_commit_at: Date | null;
      }>;
      const world = worldPulls(sim, repo.fullName).sort((a, b) => a.number - b.number);
      expect(
        rows.map((r) => ({
          number: r.number,
          state: r.state,
          reviews: r.review_count,
          labels: [...r.labels].sort(),
          firstCommitAt: r.first_commit_at?.toISOString() ?? null,
        })),
      ).toEqual(world);
      withFirstCommit += rows.filter((r) => r.first_commit_at).length;
    }
    expect(withFirstCommit).toBeGreaterThan(0);
  });

  it('stores branches, repository counters and a first stats snapshot', async () => {
    const repo = must(fx.repos[0], 'the first repository');
    const [owner, name] = splitFullName(repo.fullName);
    const simRepo = must(sim.world.repo(owner, name), repoName);
    const branches = (await fx.ds.query(
      `SELECT name, head_sha, protected FROM branches WHERE repo_id = $1 ORDER BY name`,
      [repo.id],
    )) as Array<{ name: string; head_sha: string; protected: boolean }>;
    const world = [...sim.world.detail(simRepo).branches.values()]
      .map((b) => ({ name: b.name, head_sha: b.tip, protected: b.protected }))
      .sort((a, b) => (a.name < b.name ? -1 : 1));
    expect(branches).toEqual(world);
    const compared = worldComparisons(sim, repo.fullName);
    expect(await storedComparisons(fx, repo.id)).toEqual(compared);
    // Not all level with the default branch: the counts say something.
    expect(compared.some((b) => b.ahead_by > 0 && b.behind_by > 0)).toBe(true);
    const rows = (await fx.ds.query(
      `SELECT stars, forks, watchers, languages FROM repositories WHERE id = $1`,
      [repo.id],
    )) as Array<{ stars: number; forks: number; watchers: number; languages: Record<string, number> }>;
    const row = must(rows[0], 'the repository row');
    expect(row.stars).toBe(sim.world.detail(simRepo).stars.length);
    expect(row.forks).toBe(simRepo.forksCount);
    expect(row.watchers).toBe(simRepo.watcherIds.size);
    expect(row.languages).toEqual(simRepo.languages);
    const snapshots = (await fx.ds.query(
      `SELECT count(*)::int AS n FROM repo_stats_snapshots WHERE repo_id = $1`,
      [repo.id],
    )) as Array<{ n: number }>;
    expect(must(snapshots[0], 'the snapshot count').n).toBe(1);
  });

  it('re-syncs an unchanged repository for nothing but free 304s when the detection saw no change', async () => {
    const runner = engineRunner(sim, fx);
    const before = await dumpSyncedData(fx.ds);
    for (const repo of fx.repos) {
      const [owner, name] = splitFullName(repo.fullName);
      const simRepo = must(sim.world.repo(owner, name), repoName);
      const d = sim.world.detail(simRepo);
      const latestPull = d.pulls.reduce((m, p) => Math.max(m, p.updatedAt), 0);
      await runner.run(repo.id, {
        nameWithOwner: repo.fullName,
        pushedAt: new Date(simRepo.pushedAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        defaultBranch: simRepo.defaultBranch,
        headOid: must(d.branches.get(simRepo.defaultBranch), 'default branch').tip,
        stars: d.stars.length,
        forks: simRepo.forksCount,
        archived: simRepo.archived,
        latestPullUpdatedAt: latestPull ? new Date(latestPull).toISOString().replace(/\.\d{3}Z$/, 'Z') : null,
      });
    }
    expect(runner.meter.graphqlPoints).toBe(0);
    expect(runner.meter.restRequests).toBe(0);
    expect(runner.meter.notModified).toBeGreaterThan(0);
    expect(await dumpSyncedData(fx.ds)).toEqual(before);
  });

  it('after pushes, a merged and a closed pull request and branch changes, converges on GitHub’s new state', async () => {
    const repo = must(fx.repos[0], 'the first repository');
    const [owner, name] = splitFullName(repo.fullName);
    const simRepo = must(sim.world.repo(owner, name), repoName);
    const pushed = await sim.world.pushCommits({ owner, repo: name, commits: 3, sender: 'octocat' });
    await sim.world.createBranch({ owner, repo: name, branch: 'feature/sync-test', sender: 'octocat' });
    await sim.world.pushCommits({
      owner,
      repo: name,
      branch: 'feature/sync-test',
      commits: 2,
      sender: 'octocat',
    });
    const closing = must(
      sim.world.detail(simRepo).pulls.find((p) => p.state === 'open'),
      'an open pull request to close',
    );
    await sim.world.closePull({ owner, repo: name, number: closing.number, sender: 'octocat' });

    const runner = engineRunner(sim, fx);
    expect((await runner.run(repo.id)).status).toBe('succeeded');

    const rows = (await fx.ds.query(`SELECT sha FROM commits WHERE repo_id = $1`, [repo.id])) as Array<{
      sha: string;
    }>;
    expect(rows.map((r) => r.sha).sort()).toEqual([...worldCommits(sim, repo.fullName).keys()].sort());
    const pulls = (await fx.ds.query(`SELECT state FROM pull_requests WHERE repo_id = $1 AND number = $2`, [
      repo.id,
      closing.number,
    ])) as Array<{ state: string }>;
    expect(must(pulls[0], 'the closed pull request').state).toBe('closed');
    const side = (await fx.ds.query(
      `SELECT count(*)::int AS n FROM branch_commits WHERE repo_id = $1 AND branch = 'feature/sync-test'`,
      [repo.id],
    )) as Array<{ n: number }>;
    expect(must(side[0], 'the side branch’s commit count').n).toBe(2);
    // The default branch moved: every branch is compared with its new head.
    expect(await storedComparisons(fx, repo.id)).toEqual(worldComparisons(sim, repo.fullName));
    expect(
      ((await storedComparisons(fx, repo.id)) as Array<{ name: string; ahead_by: number }>).find(
        (b) => b.name === 'feature/sync-test',
      )?.ahead_by,
    ).toBe(2);
    const activity = (await fx.ds.query(`SELECT type, dedupe_key FROM activity_events WHERE repo_id = $1`, [
      repo.id,
    ])) as Array<{ type: string; dedupe_key: string }>;
    const keys = activity.map((a) => a.dedupe_key);
    expect(keys).toContain(`push:${pushed.after}`);
    // GitHub reports times to the second, as the webhook payloads do.
    const closedAt =
      Math.floor(must(sim.world.pull(simRepo, closing.number).closedAt, 'closed_at') / 1000) * 1000;
    expect(keys).toContain(`pr_closed:${closing.number}:${new Date(closedAt).toISOString()}`);
    expect(keys).toContain(
      `branch_created:feature/sync-test:${sim.world.detail(simRepo).branches.get('feature/sync-test')?.tip}`,
    );
    // Only what changed was fetched: a handful of one-point queries, not a backfill.
    expect(runner.meter.graphqlPoints).toBeLessThanOrEqual(4);
  });

  it('after force-pushes (a rebase, a reset back), keeps only the commits GitHub still has on each branch', async () => {
    const repo = must(fx.repos[0], 'the first repository');
    const [owner, name] = splitFullName(repo.fullName);
    const simRepo = must(sim.world.repo(owner, name), repoName);
    const branches = sim.world.detail(simRepo).branches;
    const tipOf = (branch: string) => must(branches.get(branch), branch).tip;
    const compares = () =>
      Object.entries(sim.stats().rest.byRoute)
        .filter(([route]) => route.includes('/compare/'))
        .reduce((n, [, count]) => n + count, 0);
    const onBranch = async (branch: string) =>
      (
        (await fx.ds.query(`SELECT sha FROM branch_commits WHERE repo_id = $1 AND branch = $2 ORDER BY sha`, [
          repo.id,
          branch,
        ])) as Array<{ sha: string }>
      ).map((r) => r.sha);
    /** The branch's own commits as GitHub has them: reachable from its tip, not from the default branch. */
    const ownInWorld = (branch: string) => {
      const graph = sim.world.graph(simRepo);
      return graph
        .history(tipOf(branch), { skip: 0, take: 1_000_000 })
        .commits.filter((c) => !graph.isAncestor(c.sha, tipOf(simRepo.defaultBranch)))
        .map((c) => c.sha)
        .sort();
    };
    const stored = async () =>
      ((await fx.ds.query(`SELECT sha FROM commits WHERE repo_id = $1`, [repo.id])) as Array<{ sha: string }>)
        .map((r) => r.sha)
        .sort();

    // A fast-forward costs no comparison.
    await sim.world.pushCommits({
      owner,
      repo: name,
      branch: 'feature/sync-test',
      commits: 1,
      sender: 'octocat',
    });
    let before = compares();
    expect((await engineRunner(sim, fx).run(repo.id)).status).toBe('succeeded');
    expect(compares()).toBe(before);
    const replaced = await onBranch('feature/sync-test');
    expect(replaced).toHaveLength(3);

    // A rebase onto the default branch's head: the three commits are replaced by two new ones.
    await sim.world.pushCommits({
      owner,
      repo: name,
      branch: 'feature/sync-test',
      commits: 2,
      force: true,
      onto: simRepo.defaultBranch,
      sender: 'octocat',
    });
    // A reset of another branch to an older commit of its own: its newest commit is dropped.
    await sim.world.createBranch({ owner, repo: name, branch: 'feature/reset', sender: 'octocat' });
    const kept = await sim.world.pushCommits({
      owner,
      repo: name,
      branch: 'feature/reset',
      commits: 2,
      sender: 'octocat',
    });
    expect((await engineRunner(sim, fx).run(repo.id)).status).toBe('succeeded');
    expect(await onBranch('feature/reset')).toEqual([...kept.shas].sort());
    await sim.world.pushCommits({
      owner,
      repo: name,
      branch: 'feature/reset',
      commits: 0,
      force: true,
      onto: must(kept.shas[0], 'the first of the two commits'),
      sender: 'octocat',
    });
    before = compares();
    expect((await engineRunner(sim, fx).run(repo.id)).status).toBe('succeeded');

    expect(await onBranch('feature/sync-test')).toEqual(ownInWorld('feature/sync-test'));
    expect(await onBranch('feature/sync-test')).toHaveLength(2);
    expect((await onBranch('feature/sync-test')).some((sha) => replaced.includes(sha))).toBe(false);
    expect(await onBranch('feature/reset')).toEqual([kept.shas[0]]);
    // Commits no branch holds any more are gone, as from GitHub's lists; every other one is kept.
    expect(await stored()).toEqual([...worldCommits(sim, repo.fullName).keys()].sort());
    expect(compares() - before).toBe(1);
    expect(
      await fx.ds.query(`SELECT name FROM branches WHERE repo_id = $1 AND cardinality(replaced_heads) > 0`, [
        repo.id,
      ]),
    ).toEqual([]);
  });
});

describe('RepoSyncEngine and a webhook applying the same rename', () => {
  it('records the rename once when the webhook renamed the row after the run had loaded it', async () => {
    const sim = await startSim({ seed: 9, sizes: { commitsPerRepo: 20, pullsPerRepo: 2, reposPerOwner: 1 } });
    const fx = await createSyncDb(sim);
    try {
      const repo = must(fx.repos[0], 'the first repository');
      const runner = engineRunner(sim, fx);
      expect((await runner.run(repo.id)).status).toBe('succeeded');
      const [owner, name] = splitFullName(repo.fullName);
      const renamed = `${owner}/${name}-next`;
      sim.world.renameRepo({ owner, repo: name, name: `${name}-next`, sender: 'octocat' });

      // The webhook processor's effect (repository.applier: new name, its own timeline entry), committed while the
      // run holds the old row in memory: between loading the repository and comparing GitHub's answer with it.
      const getConditional = runner.gateway.getConditional.bind(runner.gateway);
      let webhookApplied = false;
      runner.gateway.getConditional = async <T>(path: string) => {
        const res = await getConditional<T>(path);
        if (!webhookApplied) {
          webhookApplied = true;
          await fx.ds.query(`UPDATE repositories SET name = $2, full_name = $3 WHERE id = $1`, [
            repo.id,
            `${name}-next`,
            renamed,
          ]);
          await fx.ds.query(
            `INSERT INTO activity_events (repo_id, type, title, occurred_at, data, dedupe_key)
             VALUES ($1, 'repo_renamed', $2, now(), $3, 'repo_renamed:delivery-1')`,
            [
              repo.id,
              `Renamed ${repo.fullName} to ${renamed}`,
              JSON.stringify({ from: repo.fullName, to: renamed, transferred: false }),
            ],
          );
        }
        return res;
      };
      expect((await runner.run(repo.id)).status).toBe('succeeded');

      expect(webhookApplied).toBe(true);
      const rows = (await fx.ds.query(
        `SELECT dedupe_key FROM activity_events WHERE repo_id = $1 AND type = 'repo_renamed'`,
        [repo.id],
      )) as Array<{ dedupe_key: string }>;
      expect(rows.map((r) => r.dedupe_key)).toEqual(['repo_renamed:delivery-1']);
      const names = (await fx.ds.query(`SELECT full_name FROM repositories WHERE id = $1`, [
        repo.id,
      ])) as Array<{
        full_name: string;
      }>;
      expect(must(names[0], 'the repository row').full_name).toBe(renamed);
    } finally {
      await fx.close();
      await sim.stop();
    }
  }, 120_000);
});
