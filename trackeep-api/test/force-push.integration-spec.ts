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
import { emptyCursor, rememberRewrittenHead, SyncStore } from '../src/sync/engine/sync-store.repository';
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
    expect((await cursorState(repo.id, branch))['rewritten']).toEqual([first.after]);

    await expectReplacedGone(repo.id, branch, first, second);
  });

  // The forced push is heard after the run loaded its cursors and before it first writes the branch's: the run's
  // writes must not erase the old head the push named, so the next run can still drop what the push replaced.
  it('keeps the old head of a forced push heard while a sync is walking the branch for the first time', async () => {
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
    expect((await cursorState(repo.id, branch))['rewritten']).toEqual([first.after]);

    await expectReplacedGone(repo.id, branch, first, second);
    expect((await cursorState(repo.id, branch))['rewritten']).toBeUndefined();
  });

  it('keeps the newest five old heads when a branch is rewritten more often between checks', async () => {
    const repo = must(fx.repos[0], 'the repository');
    const branch = 'feature/rewritten-often';
    const heads = Array.from({ length: 7 }, (_, i) => String(i).repeat(40));
    const sql = syncDb(fx.ds);
    for (const h of heads) await rememberRewrittenHead(sql, repo.id, branch, h);
    await new SyncStore().saveCursor(sql, repo.id, `commits:${branch}`, {
      ...emptyCursor(`commits:${branch}`),
      state: { rewritten: [heads[6]] },
    });
    expect((await cursorState(repo.id, branch))['rewritten']).toEqual(heads.slice(2));

    await new SyncStore().saveCursor(sql, repo.id, `commits:${branch}`, emptyCursor(`commits:${branch}`), [
      must(heads[3]),
      must(heads[5]),
    ]);
    expect((await cursorState(repo.id, branch))['rewritten']).toEqual([heads[2], heads[4], heads[6]]);
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

  async function cursorState(repoId: string, branch: string): Promise<Record<string, unknown>> {
    const [cursor] = await db.rows<{ state: Record<string, unknown> }>(
      `SELECT state FROM sync_cursors WHERE repo_id = $1 AND stream = $2`,
      [repoId, `commits:${branch}`],
    );
    return must(cursor, 'the branch cursor').state;
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
