import { randomUUID } from 'node:crypto';
import {
  createSyncDb,
  engineRunner,
  must,
  startSim,
  type GithubSimHandle,
  type SyncDbFixture,
  syncDb,
} from './sync-support/sync-harness';
import { BranchesRepository } from '../src/repos/data/branches.repository';
import { Db, postWebhook, startApi, waitForInboxIdle, type RunningApi } from './webhooks-support';

const NEVER = '0 0 1 1 *';

type PushResult = Awaited<ReturnType<GithubSimHandle['world']['pushCommits']>>;

// A branch force-pushed before any sync walked it: only the forced push's webhook names the head the branch had,
// and the sync then asks GitHub which of the commits that push's predecessor stored the branch no longer has.
describe('a force-push heard by webhook before any sync walked the branch', () => {
  let sim: GithubSimHandle;
  let fx: SyncDbFixture;
  let api: RunningApi;
  let db: Db;

  beforeAll(async () => {
    sim = await startSim({ sizes: { reposPerOwner: 1, commitsPerRepo: 40, pullsPerRepo: 4 } });
    fx = await createSyncDb(sim, 'octocat', 1);
    api = await startApi(fx.db.url, { SYNC_CRON: NEVER });
    db = await Db.connect(fx.db.url);
  });
  afterAll(async () => {
    await db.end();
    await api.close();
    await fx.close();
    await sim.stop();
  });

  it('records the old head from the push, and the next sync drops the commits the branch lost', async () => {
    const branch = 'feature/rebased-before-sync';
    const { repo, simRepo, ref } = await newBranch(branch);
    const first = await sim.world.pushCommits({ ...ref, commits: 2 });
    const second = await sim.world.pushCommits({
      ...ref,
      commits: 1,
      force: true,
      onto: simRepo.defaultBranch,
    });
    // GitHub's deliveries of both pushes, in order; no sync runs in between.
    await deliver(first, false);
    await deliver(second, true);
    expect((await onBranch(repo.id, branch)).sort()).toEqual([...first.shas, ...second.shas].sort());
    expect(await replacedHeads(repo.id, branch)).toEqual([first.after]);

    await expectReplacedGone(repo.id, branch, first, second);
  });

  // The forced push is heard after the run loaded its cursors and before it first writes the branch's: the run's
  // writes leave the old head the push named, and the run, which walked the new head, drops what the push replaced.
  it('drops what a forced push replaced when the push is heard while a sync walks the branch for the first time', async () => {
    const branch = 'feature/rebased-during-sync';
    const { repo, simRepo, ref } = await newBranch(branch);
    const first = await sim.world.pushCommits({ ...ref, commits: 2 });
    await deliver(first, false);
    const second = await sim.world.pushCommits({
      ...ref,
      commits: 1,
      force: true,
      onto: simRepo.defaultBranch,
    });

    let heard = false;
    const during = engineRunner(sim, fx, {
      wrapClient: (client) => ({
        request: async (route, params) => {
          if (!heard && JSON.stringify(params?.['data'] ?? '').includes('query SyncRepoPage')) {
            heard = true;
            await deliver(second, true);
          }
          return client.request(route, params);
        },
      }),
    });
    expect((await during.run(repo.id)).status).toBe('succeeded');
    expect(heard).toBe(true);
    expect(await onBranch(repo.id, branch)).toEqual([...second.shas]);
    expect(await replacedHeads(repo.id, branch)).toEqual([]);

    await expectReplacedGone(repo.id, branch, first, second);
  });

  // GitHub moved the branch by force after the run read its refs: the run walks the head the push replaced, which
  // stays noted (nothing to compare it with yet) until the next run walks the new head and drops what it replaced.
  it('keeps a replaced head the run walked until the branch has moved on', async () => {
    const branch = 'feature/rebased-after-refs';
    const { repo, simRepo, ref } = await newBranch(branch);
    const first = await sim.world.pushCommits({ ...ref, commits: 2 });
    let second: PushResult | undefined;
    const during = engineRunner(sim, fx, {
      wrapClient: (client) => ({
        request: async (route, params) => {
          const res = await client.request(route, params);
          if (!second && JSON.stringify(params?.['data'] ?? '').includes('query SyncRepoPageR')) {
            second = await sim.world.pushCommits({
              ...ref,
              commits: 1,
              force: true,
              onto: simRepo.defaultBranch,
            });
            await deliver(second, true);
          }
          return res;
        },
      }),
    });
    expect((await during.run(repo.id)).status).toBe('succeeded');
    const forced = must(second, 'the forced push');
    expect(await replacedHeads(repo.id, branch)).toEqual([first.after]);
    expect((await onBranch(repo.id, branch)).sort()).toEqual([...first.shas, ...forced.shas].sort());

    await expectReplacedGone(repo.id, branch, first, forced);
    expect(await replacedHeads(repo.id, branch)).toEqual([]);
  });

  // An ordinary push heard by webhook moves the branch to a head the sync then finds already stored: nothing was
  // replaced, and GitHub need not be asked.
  it('asks GitHub nothing about an ordinary push heard by webhook', async () => {
    const branch = 'feature/fast-forward';
    const { repo, ref } = await newBranch(branch);
    const first = await sim.world.pushCommits({ ...ref, commits: 2 });
    expect((await engineRunner(sim, fx).run(repo.id)).status).toBe('succeeded');
    const second = await sim.world.pushCommits({ ...ref, commits: 2 });
    await deliver(second, false);
    const before = compares();
    expect((await engineRunner(sim, fx).run(repo.id)).status).toBe('succeeded');
    expect(compares() - before).toBe(0);
    expect(await replacedHeads(repo.id, branch)).toEqual([]);
    expect((await onBranch(repo.id, branch)).sort()).toEqual([...first.shas, ...second.shas].sort());
  });

  it('keeps the newest five replaced heads of a branch rewritten more often between checks', async () => {
    const repo = must(fx.repos[0], 'the repository');
    const branch = 'feature/rewritten-often';
    await db.rows(`INSERT INTO branches (repo_id, name, head_sha) VALUES ($1, $2, $3)`, [
      repo.id,
      branch,
      'f'.repeat(40),
    ]);
    const heads = Array.from({ length: 7 }, (_, i) => String(i).repeat(40));
    const sql = syncDb(fx.ds);
    for (const h of heads.slice(0, 6)) await BranchesRepository.noteReplacedHeads(sql, repo.id, branch, [h]);
    // Noted again (the sync and a webhook can both note one): it becomes the newest, and is kept once.
    await BranchesRepository.noteReplacedHeads(sql, repo.id, branch, [must(heads[2]), must(heads[6])]);
    expect(await replacedHeads(repo.id, branch)).toEqual([heads[3], heads[4], heads[5], heads[2], heads[6]]);
    expect((await BranchesRepository.replacedHeads(sql, repo.id)).get(branch)).toEqual(
      await replacedHeads(repo.id, branch),
    );

    await BranchesRepository.dropReplacedHeads(sql, repo.id, branch, [must(heads[3]), must(heads[6])]);
    expect(await replacedHeads(repo.id, branch)).toEqual([heads[4], heads[5], heads[2]]);
    await BranchesRepository.dropReplacedHeads(sql, repo.id, branch, [
      must(heads[4]),
      must(heads[5]),
      must(heads[2]),
    ]);
    expect((await BranchesRepository.replacedHeads(sql, repo.id)).has(branch)).toBe(false);
  });

  /** After a sync that leaves the repository up to date, a new branch on GitHub (not yet heard of). */
  async function newBranch(branch: string) {
    const repo = must(fx.repos[0], 'the repository');
    const [owner, name] = repo.fullName.split('/') as [string, string];
    const simRepo = sim.world.requireRepo({ owner, repo: name });
    expect((await engineRunner(sim, fx).run(repo.id)).status).toBe('succeeded');
    const ref = { owner, repo: name, branch, sender: 'octocat' };
    await sim.world.createBranch(ref);
    return { repo, simRepo, ref };
  }

  /** After the next sync, the branch holds only the forced push's commits, and those it replaced are gone. */
  async function expectReplacedGone(
    repoId: string,
    branch: string,
    replaced: PushResult,
    forced: PushResult,
  ): Promise<void> {
    expect((await engineRunner(sim, fx).run(repoId)).status).toBe('succeeded');
    expect(await onBranch(repoId, branch)).toEqual([...forced.shas]);
    const left = await db.rows<{ sha: string }>(
      `SELECT sha FROM commits WHERE repo_id = $1 AND sha = ANY($2)`,
      [repoId, replaced.shas],
    );
    expect(left).toEqual([]);
  }

  async function deliver(push: PushResult, forced: boolean): Promise<void> {
    const res = await postWebhook(api.url, {
      event: 'push',
      id: randomUUID(),
      payload: payloadOf(push, forced),
    });
    expect(res.status).toBe(202);
    await waitForInboxIdle(db);
  }

  function compares(): number {
    return Object.entries(sim.stats().rest.byRoute)
      .filter(([route]) => route.includes('/compare/'))
      .reduce((n, [, count]) => n + count, 0);
  }

  async function replacedHeads(repoId: string, branch: string): Promise<string[]> {
    const [row] = await db.rows<{ replaced_heads: string[] }>(
      `SELECT replaced_heads FROM branches WHERE repo_id = $1 AND name = $2`,
      [repoId, branch],
    );
    return must(row, 'the branch').replaced_heads;
  }

  function payloadOf(push: PushResult, forced: boolean): Record<string, unknown> {
    const repo = must(fx.repos[0], 'the repository');
    const [owner, name] = repo.fullName.split('/') as [string, string];
    const simRepo = sim.world.requireRepo({ owner, repo: name });
    const graph = sim.world.graph(simRepo);
    const commits = push.shas.map((sha) => {
      const c = must(graph.get(sha), sha);
      const who = { name: c.author.name, email: c.author.email, username: 'octocat' };
      return {
        id: sha,
        tree_id: c.treeSha,
        distinct: true,
        message: c.message,
        timestamp: new Date(c.committedAt).toISOString(),
        url: `https://github.com/${repo.fullName}/commit/${sha}`,
        author: who,
        committer: who,
        added: [],
        removed: [],
        modified: [],
      };
    });
    return {
      ref: push.ref,
      before: push.before,
      after: push.after,
      created: false,
      deleted: false,
      forced,
      compare: `https://github.com/${repo.fullName}/compare/${push.before.slice(0, 12)}...${push.after.slice(0, 12)}`,
      commits,
      head_commit: commits[commits.length - 1] ?? null,
      repository: {
        id: simRepo.id,
        full_name: repo.fullName,
        name,
        pushed_at: Math.floor(Date.now() / 1000),
      },
      pusher: { name: 'octocat', email: 'octocat@github.com' },
      sender: { login: 'octocat', id: sim.world.requireUser('octocat').id },
    };
  }

  async function onBranch(repoId: string, branch: string): Promise<string[]> {
    return (
      await db.rows<{ sha: string }>(`SELECT sha FROM branch_commits WHERE repo_id = $1 AND branch = $2`, [
        repoId,
        branch,
      ])
    ).map((r) => r.sha);
  }
});
