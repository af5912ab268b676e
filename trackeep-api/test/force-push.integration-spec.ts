import { randomUUID } from 'node:crypto';
import {
  createSyncDb,
  engineRunner,
  must,
  startSim,
  type GithubSimHandle,
  type SyncDbFixture,
} from './sync-support/sync-harness';
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
    const repo = must(fx.repos[0], 'the repository');
    const [owner, name] = repo.fullName.split('/') as [string, string];
    const simRepo = sim.world.requireRepo({ owner, repo: name });
    expect((await engineRunner(sim, fx).run(repo.id)).status).toBe('succeeded');

    const branch = 'feature/rebased-before-sync';
    const ref = { owner, repo: name, branch, sender: 'octocat' };
    await sim.world.createBranch(ref);
    const first = await sim.world.pushCommits({ ...ref, commits: 2 });
    const second = await sim.world.pushCommits({
      ...ref,
      commits: 1,
      force: true,
      onto: simRepo.defaultBranch,
    });
    // GitHub's deliveries of both pushes, in order; no sync runs in between.
    for (const [push, forced] of [
      [first, false],
      [second, true],
    ] as const) {
      const res = await postWebhook(api.url, {
        event: 'push',
        id: randomUUID(),
        payload: payloadOf(push, forced),
      });
      expect(res.status).toBe(202);
    }
    await waitForInboxIdle(db);
    expect((await onBranch(repo.id, branch)).sort()).toEqual([...first.shas, ...second.shas].sort());
    const [cursor] = await db.rows<{ state: Record<string, unknown> }>(
      `SELECT state FROM sync_cursors WHERE repo_id = $1 AND stream = $2`,
      [repo.id, `commits:${branch}`],
    );
    expect(cursor?.state['rewritten']).toEqual([first.after]);

    expect((await engineRunner(sim, fx).run(repo.id)).status).toBe('succeeded');
    expect(await onBranch(repo.id, branch)).toEqual([...second.shas]);
    const left = await db.rows<{ sha: string }>(
      `SELECT sha FROM commits WHERE repo_id = $1 AND sha = ANY($2)`,
      [repo.id, first.shas],
    );
    expect(left).toEqual([]);
  });

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
