import { client, control, webhookReceiver } from '../../spec/helpers';
import { LiveMode } from '../live/live-mode';
import { startGithubSim } from '../server';
import type { GithubSimHandle } from '../sim.types';

describe('organization teams (nested teams, members, repositories)', () => {
  let sim: GithubSimHandle;
  let octocat: ReturnType<typeof client>;

  beforeAll(async () => {
    sim = await startGithubSim({ preset: 'small', seed: 11 });
    octocat = client(sim, sim.issueToken('octocat', ['repo', 'read:org']));
  });
  afterAll(() => sim.stop());

  it('generates nested teams under the visible top-level teams of every organization', () => {
    for (const org of sim.world.orgs.values()) {
      const children = org.teams.filter((t) => t.parentId !== null);
      expect(children.length).toBeGreaterThan(0);
      for (const child of children) {
        const parent = org.teams.find((t) => t.id === child.parentId);
        expect(parent?.privacy).toBe('closed');
      }
    }
  });

  it('lists the members of child teams among the parent team’s members, once each', async () => {
    const ctl = control(sim);
    sim.world.addUser({ login: 'nested-dev' });
    await ctl.put('/orgs/acme-corp/members/nested-dev', { role: 'member' });
    const child = await ctl.post<{ slug: string }>('/orgs/acme-corp/teams', {
      name: 'Nested A',
      parent: 'core',
    });
    const sibling = await ctl.post<{ slug: string }>('/orgs/acme-corp/teams', {
      name: 'Nested B',
      parent: 'core',
    });
    await ctl.put(`/orgs/acme-corp/teams/${child.body.slug}/members/nested-dev`);
    await ctl.put(`/orgs/acme-corp/teams/${sibling.body.slug}/members/nested-dev`);
    const members = await octocat.get<Array<{ login: string }>>(
      '/orgs/acme-corp/teams/core/members?per_page=100',
    );
    expect(members.status).toBe(200);
    expect(members.body.filter((m) => m.login === 'nested-dev')).toHaveLength(1);
    const childMembers = await octocat.get<Array<{ login: string }>>(
      `/orgs/acme-corp/teams/${child.body.slug}/members`,
    );
    expect(childMembers.body.map((m) => m.login)).toEqual(['nested-dev']);
    const kids = await octocat.get<Array<{ slug: string }>>('/orgs/acme-corp/teams/core/teams?per_page=100');
    expect(kids.body.map((t) => t.slug)).toEqual(
      expect.arrayContaining([child.body.slug, sibling.body.slug]),
    );
  });

  it('gives a child team’s members the parent team’s repositories, and lists them with the team’s permission', async () => {
    const ctl = control(sim);
    const w = sim.world;
    await ctl.post('/repos', { owner: 'acme-corp', name: 'nested-private', private: true });
    sim.world.addUser({ login: 'nested-kid' });
    await ctl.put('/orgs/acme-corp/members/nested-kid', { role: 'member' });
    const kid = await ctl.post<{ slug: string }>('/orgs/acme-corp/teams', {
      name: 'Nested Kid',
      parent: 'core',
    });
    await ctl.put(`/orgs/acme-corp/teams/${kid.body.slug}/members/nested-kid`);
    const repo = w.repo('acme-corp', 'nested-private');
    if (!repo) throw new Error('no repository');
    const before = w.permissionOf(repo, w.requireUser('nested-kid').id);
    await ctl.put('/orgs/acme-corp/teams/core/repos/nested-private', { permission: 'maintain' });
    expect(w.permissionOf(repo, w.requireUser('nested-kid').id)).toBe('maintain');
    expect(before).toBe('pull');
    const repos = await octocat.get<
      Array<{ name: string; role_name: string; permissions: { maintain: boolean } }>
    >(`/orgs/acme-corp/teams/${kid.body.slug}/repos?per_page=100`);
    const hit = repos.body.find((r) => r.name === 'nested-private');
    expect(hit).toMatchObject({ role_name: 'maintain', permissions: { maintain: true } });
  });

  it('answers 404 to someone outside the organization, and for a team that does not exist', async () => {
    sim.world.addUser({ login: 'outsider-dev' });
    const outsider = client(sim, sim.issueToken('outsider-dev', ['repo', 'read:org']));
    for (const path of [
      '/orgs/acme-corp/teams/core',
      '/orgs/acme-corp/teams/core/members',
      '/orgs/acme-corp/teams/core/repos',
    ])
      expect([path, (await outsider.get(path)).status]).toEqual([path, 404]);
    expect((await octocat.get('/orgs/acme-corp/teams/nope/repos')).status).toBe(404);
  });

  it('refuses a team membership for someone outside the organization', async () => {
    const res = await control(sim).put('/orgs/acme-corp/teams/core/members/outsider-dev');
    expect(res.status).toBe(422);
  });
});

describe('live mode and team webhooks', () => {
  it('someone joining or leaving a team sends the membership webhook to the organization’s App', async () => {
    const sim = await startGithubSim({ preset: 'small', seed: 3 });
    const receiver = await webhookReceiver();
    try {
      const { app } = sim.world.registerGithubApp({
        slug: 'teams-live',
        webhookUrl: receiver.url,
        webhookSecret: 's',
        events: ['membership', 'team', 'organization'],
      });
      await sim.world.installApp({ app: app.id, account: 'acme-corp' });
      const live = new LiveMode(sim.world);
      const outcomes: string[] = [];
      for (let i = 0; i < 400 && !outcomes.some((o) => o.startsWith('team ')); i++)
        outcomes.push(await live.step());
      await sim.world.settled();
      const change = outcomes.find((o) => o.startsWith('team '));
      expect(change).toBeDefined();
      // The small world has one organization, where the App is installed.
      expect(change).toMatch(/^team acme-corp\//);
      const events = receiver.received.map((d) => String(d.headers['x-github-event']));
      expect(events).toContain('membership');
    } finally {
      await receiver.close();
      await sim.stop();
    }
  });
});

describe('an installation on the organization reads its teams', () => {
  let sim: GithubSimHandle;
  let installationId: number;
  beforeAll(async () => {
    sim = await startGithubSim({ preset: 'small', seed: 5 });
    const { app } = sim.world.registerGithubApp({ slug: 'teams-reader', webhookUrl: null });
    installationId = (await sim.world.installApp({ app: app.id, account: 'acme-corp' })).id;
  });
  afterAll(() => sim.stop());

  it('lists every team, secret ones too, with members and repositories, given `members: read`', async () => {
    const org = sim.world.orgs.get([...sim.world.orgs.values()].find((o) => o.login === 'acme-corp')!.id)!;
    const secret = org.teams.find((t) => t.privacy === 'secret') ?? org.teams[0]!;
    secret.privacy = 'secret';
    const { token } = sim.world.createInstallationToken(installationId);
    const app = client(sim, token);
    const teams = await app.get<Array<{ slug: string }>>('/orgs/acme-corp/teams?per_page=100');
    expect(teams.status).toBe(200);
    expect(teams.body.map((t) => t.slug).sort()).toEqual(org.teams.map((t) => t.slug).sort());
    const members = await app.get<Array<{ login: string }>>(`/orgs/acme-corp/teams/${secret.slug}/members`);
    expect(members.status).toBe(200);
    expect(members.body.length).toBe(secret.members.size);
    expect((await app.get(`/orgs/acme-corp/teams/${secret.slug}/repos`)).status).toBe(200);
    expect((await app.get('/orgs/acme-corp/members')).status).toBe(200);
  });

  it('answers 404 without the `members` permission, and 403 on routes an App cannot use', async () => {
    const { token } = sim.world.createInstallationToken(installationId, {
      permissions: { contents: 'read' },
    });
    const app = client(sim, token);
    expect((await app.get('/orgs/acme-corp/teams')).status).toBe(404);
    const mine = await app.get<{ message: string }>('/user/teams');
    expect(mine.status).toBe(403);
    expect(mine.body.message).toBe('Resource not accessible by integration');
  });
});
