import webhookDefinitions from '@octokit/webhooks-examples';
import { client, control, webhookReceiver } from '../../spec/helpers';
import { startGithubSim } from '../server';
import type { GithubSimHandle } from '../sim.types';

type Example = Record<string, unknown>;

/** Keys every one of GitHub's `member` examples carries at the top level and inside `member`. */
function memberExampleKeys(): { top: string[]; member: string[] } {
  const def = (webhookDefinitions as unknown as Array<{ name: string; examples: Example[] }>).find(
    (d) => d.name === 'member',
  );
  const examples = def?.examples ?? [];
  const common = (objs: Example[]) => Object.keys(objs[0] ?? {}).filter((k) => objs.every((o) => k in o));
  return {
    top: common(examples).filter((k) => !['installation', 'organization', 'changes'].includes(k)),
    member: common(examples.map((e) => e['member'] as Example)),
  };
}

describe('removing a collaborator (DELETE /repos/{owner}/{repo}/collaborators/{username})', () => {
  let sim: GithubSimHandle;
  let receiver: Awaited<ReturnType<typeof webhookReceiver>>;
  let owner: ReturnType<typeof client>;
  let hubot: ReturnType<typeof client>;
  let repoName: string;

  beforeAll(async () => {
    sim = await startGithubSim({ preset: 'small', seed: 7 });
    receiver = await webhookReceiver();
    owner = client(sim, sim.issueToken('octocat'));
    hubot = client(sim, sim.issueToken('hubot'));
    const w = sim.world;
    const octocat = w.requireUser('octocat');
    const candidate = [...w.repos.values()].find(
      (r) => r.ownerType === 'User' && r.ownerId === octocat.id && r.name !== 'Hello-World' && !r.deleted,
    );
    if (!candidate) throw new Error('no second repository of octocat');
    repoName = candidate.name;
    await w.setVisibility({ owner: 'octocat', repo: repoName, private: true });
    const hook = await owner.post(`/repos/octocat/${repoName}/hooks`, {
      name: 'web',
      config: { url: receiver.url, content_type: 'json' },
      events: ['member'],
    });
    expect(hook.status).toBe(201);
    await control(sim).put(`/repos/octocat/${repoName}/access/hubot`, { permission: 'push' });
    await sim.world.settled();
  });
  afterAll(async () => {
    await sim.stop();
    await receiver.close();
  });

  it('answers 204, then GitHub answers 404 to the removed user, and the member webhook (removed) goes to the hooks', async () => {
    expect((await hubot.get(`/repos/octocat/${repoName}`)).status).toBe(200);
    const before = receiver.received.length;

    const res = await owner.delete(`/repos/octocat/${repoName}/collaborators/hubot`);
    expect(res.status).toBe(204);
    await sim.world.settled();

    expect((await hubot.get(`/repos/octocat/${repoName}`)).status).toBe(404);
    expect((await owner.get(`/repos/octocat/${repoName}`)).status).toBe(200);
    const delivered = receiver.received.slice(before).filter((r) => r.headers['x-github-event'] === 'member');
    expect(delivered).toHaveLength(1);
    const payload = JSON.parse(delivered[0]!.body) as Example;
    expect(payload).toMatchObject({
      action: 'removed',
      member: { login: 'hubot', id: sim.world.requireUser('hubot').id },
      repository: { full_name: `octocat/${repoName}`, private: true },
      sender: { login: 'octocat' },
    });
    const want = memberExampleKeys();
    expect(want.top.filter((k) => !(k in payload))).toEqual([]);
    expect(want.member.filter((k) => !(k in (payload['member'] as Example)))).toEqual([]);
  });

  it('sends no webhook when the user was not a collaborator (still 204)', async () => {
    const before = receiver.received.length;
    expect((await owner.delete(`/repos/octocat/${repoName}/collaborators/hubot`)).status).toBe(204);
    await sim.world.settled();
    expect(receiver.received.length).toBe(before);
  });

  it('lets a collaborator remove themselves, and hides the repository from anyone else who is not an admin (404)', async () => {
    await control(sim).put(`/repos/octocat/${repoName}/access/hubot`, { permission: 'push' });
    const third = [...sim.world.users.values()].find(
      (u) => u.login !== 'octocat' && u.login !== 'hubot' && !u.login.includes('[bot]'),
    );
    if (!third) throw new Error('no third user');
    await control(sim).put(`/repos/octocat/${repoName}/access/${third.login}`, { permission: 'pull' });
    // A reader cannot remove another collaborator.
    expect(
      (
        await client(sim, sim.issueToken(third.login)).delete(
          `/repos/octocat/${repoName}/collaborators/hubot`,
        )
      ).status,
    ).toBe(404);
    expect((await hubot.get(`/repos/octocat/${repoName}`)).status).toBe(200);
    expect((await hubot.delete(`/repos/octocat/${repoName}/collaborators/hubot`)).status).toBe(204);
    expect((await hubot.get(`/repos/octocat/${repoName}`)).status).toBe(404);
  });

  it('needs a token (401) and answers 404 for an unknown user', async () => {
    expect((await client(sim).delete(`/repos/octocat/${repoName}/collaborators/hubot`)).status).toBe(401);
    expect((await owner.delete(`/repos/octocat/${repoName}/collaborators/no-such-user-here`)).status).toBe(
      404,
    );
  });
});
