import { client, control, webhookReceiver } from '../../../spec/helpers';
import { startGithubSim } from '../../server';
import type { GithubSimHandle } from '../../sim.types';
import { SimError } from '../sim-error';
import type { SimRepo } from '../world.types';

const OPTIONS = { preset: 'small' as const, seed: 42, sizes: { commitsPerRepo: 60 } };
const REF = { owner: 'octocat', repo: 'Hello-World' };

interface PushPayload {
  ref: string;
  before: string;
  after: string;
  forced: boolean;
  created: boolean;
  commits: Array<{ id: string }>;
}

describe('force-pushes that rewrite a branch', () => {
  let sim: GithubSimHandle;
  let receiver: Awaited<ReturnType<typeof webhookReceiver>>;

  beforeAll(async () => {
    sim = await startGithubSim(OPTIONS);
    receiver = await webhookReceiver();
    const api = client(sim, sim.issueToken('octocat', ['repo', 'admin:repo_hook']));
    await api.post('/repos/octocat/Hello-World/hooks', {
      config: { url: receiver.url, content_type: 'json' },
      events: ['push', 'pull_request'],
    });
    await sim.world.settled();
  });
  afterAll(async () => {
    await sim.stop();
    await receiver.close();
  });

  const repo = () => sim.world.repo(REF.owner, REF.repo) as SimRepo;
  const graph = () => sim.world.graph(repo());
  const tipOf = (branch: string) => sim.world.detail(repo()).branches.get(branch)?.tip;
  const mainTip = () => tipOf(repo().defaultBranch) as string;
  /** The webhooks delivered while `act` ran: event, action and parsed body. */
  const hooksDuring = async (act: () => Promise<unknown>) => {
    const from = receiver.received.length;
    await act();
    await sim.world.settled();
    return receiver.received.slice(from).map((d) => ({
      event: String(d.headers['x-github-event']),
      body: JSON.parse(d.body) as Record<string, unknown>,
    }));
  };

  it('builds the new commits on `onto`, moves the branch there and sends push with forced, before and after', async () => {
    const old = await sim.world.pushCommits({ ...REF, branch: 'rewrite-me', commits: 3 });
    const pull = await sim.world.openPull({ ...REF, head: 'rewrite-me', title: 'To be rewritten' });
    expect(pull.commits).toBe(3);
    let result: Awaited<ReturnType<typeof sim.world.pushCommits>> | undefined;
    const hooks = await hooksDuring(async () => {
      result = await sim.world.pushCommits({
        ...REF,
        branch: 'rewrite-me',
        onto: repo().defaultBranch,
        commits: [
          { additions: 7, deletions: 2 },
          { additions: 5, deletions: 1 },
        ],
        force: true,
      });
    });
    if (!result) throw new Error('no push result');
    expect(result.before).toBe(old.after);
    expect(result.shas).toHaveLength(2);
    expect(result.after).toBe(result.shas[1]);
    expect(tipOf('rewrite-me')).toBe(result.after);
    // The new commits sit on the default branch's tip; the old ones are gone from the branch.
    expect(graph().get(result.shas[0] as string)?.parents).toEqual([mainTip()]);
    for (const sha of old.shas) expect(graph().isAncestor(sha, result.after)).toBe(false);
    const push = hooks.find((h) => h.event === 'push')?.body as unknown as PushPayload;
    expect(push).toMatchObject({
      ref: 'refs/heads/rewrite-me',
      before: old.after,
      after: result.after,
      forced: true,
      created: false,
    });
    expect(push.commits.map((c) => c.id)).toEqual(result.shas);
    // The open pull request follows its head and holds only what the head now has.
    const sync = hooks.find((h) => h.event === 'pull_request')?.body;
    expect(sync).toMatchObject({ action: 'synchronize', before: old.after, after: result.after });
    expect(pull).toMatchObject({ headSha: result.after, commits: 2, additions: 12, deletions: 3 });
    const listed = await client(sim, sim.issueToken('octocat', ['repo'])).get<Array<{ sha: string }>>(
      `/repos/octocat/Hello-World/pulls/${pull.number}/commits`,
    );
    expect(listed.body.map((c) => c.sha)).toEqual(result.shas);
  });

  it("refuses a push that is not a fast-forward without force, with GitHub's 422, and changes nothing", async () => {
    const old = await sim.world.pushCommits({ ...REF, branch: 'kept', commits: 2 });
    const size = graph().size;
    const hooks = await hooksDuring(async () => {
      const res = await control(sim).post<{ message: string; status: string }>(
        '/repos/octocat/Hello-World/push',
        { branch: 'kept', onto: repo().defaultBranch, commits: 1 },
      );
      expect([res.status, res.body.message, res.body.status]).toEqual([
        422,
        'Update is not a fast forward',
        '422',
      ]);
      await expect(
        sim.world.pushCommits({ ...REF, branch: 'kept', onto: repo().defaultBranch, commits: 0 }),
      ).rejects.toMatchObject({ status: 422, message: 'Update is not a fast forward' });
    });
    expect(hooks).toEqual([]);
    expect(tipOf('kept')).toBe(old.after);
    expect(graph().size).toBe(size);
  });

  it('takes an `onto` that contains the tip without force, as a fast-forward (not forced, as with force)', async () => {
    await sim.world.createBranch({ ...REF, branch: 'behind' });
    const ahead = await sim.world.pushCommits({ ...REF, branch: 'ahead', commits: 2 });
    const before = tipOf('behind') as string;
    const hooks = await hooksDuring(() =>
      sim.world.pushCommits({ ...REF, branch: 'behind', onto: 'ahead', commits: 1 }),
    );
    const after = tipOf('behind') as string;
    expect(graph().get(after)?.parents).toEqual([ahead.after]);
    expect(graph().isAncestor(before, after)).toBe(true);
    expect(hooks.find((h) => h.event === 'push')?.body).toMatchObject({ before, after, forced: false });
    // GitHub sees only the two tips: `force` on a push that keeps the old tip is not a forced push.
    const plain = await hooksDuring(() => sim.world.pushCommits({ ...REF, branch: 'behind', force: true }));
    expect(plain.find((h) => h.event === 'push')?.body).toMatchObject({ before: after, forced: false });
  });

  it('resets a branch to `onto` with commits: 0, and asks for at least one commit without `onto`', async () => {
    const old = await sim.world.pushCommits({ ...REF, branch: 'reset-me', commits: 2 });
    const target = graph().get(mainTip())?.parents[0] as string;
    let result: Awaited<ReturnType<typeof sim.world.pushCommits>> | undefined;
    const hooks = await hooksDuring(async () => {
      result = await sim.world.pushCommits({
        ...REF,
        branch: 'reset-me',
        onto: target,
        commits: 0,
        force: true,
      });
    });
    expect(result).toEqual({ ref: 'refs/heads/reset-me', before: old.after, after: target, shas: [] });
    expect(tipOf('reset-me')).toBe(target);
    expect(hooks.find((h) => h.event === 'push')?.body).toMatchObject({
      before: old.after,
      after: target,
      forced: true,
      commits: [],
    });
    const refused = sim.world.pushCommits({ ...REF, branch: 'reset-me', commits: 0 });
    await expect(refused).rejects.toBeInstanceOf(SimError);
    await expect(refused).rejects.toMatchObject({ status: 422, message: 'Validation Failed' });
    await expect(
      sim.world.pushCommits({ ...REF, branch: 'reset-me', onto: 'no-such-ref', commits: 0, force: true }),
    ).rejects.toMatchObject({ status: 422, message: 'Object does not exist' });
    expect(tipOf('reset-me')).toBe(target);
  });
});
