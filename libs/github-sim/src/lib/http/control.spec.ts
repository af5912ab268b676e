import type { components } from '@octokit/openapi-types';
import { client, control, graphql } from '../../spec/helpers';
import { startGithubSim } from '../server';
import type { GithubSimHandle } from '../sim.types';

type S = components['schemas'];

describe('control API (/_sim)', () => {
  let sim: GithubSimHandle;
  let api: ReturnType<typeof client>;
  let ctl: ReturnType<typeof control>;
  let token: string;

  beforeAll(async () => {
    sim = await startGithubSim({ preset: 'small', sizes: { commitsPerRepo: 50 } });
    token = sim.issueToken('octocat');
    api = client(sim, token);
    ctl = control(sim);
  });
  afterAll(() => sim.stop());

  it('pushes commits that REST and GraphQL both show at the head of the branch', async () => {
    const res = await ctl.post<{ after: string; shas: string[]; before: string }>(
      '/repos/octocat/Hello-World/push',
      {
        commits: [
          {
            message: 'Add feature',
            additions: 10,
            deletions: 2,
            files: ['src/a.ts', 'src/b.ts'],
            author: 'monalisa',
          },
        ],
      },
    );
    expect(res.status).toBe(200);
    const head = (await api.get<S['commit'][]>('/repos/octocat/Hello-World/commits?per_page=1')).body[0]!;
    expect(head.sha).toBe(res.body.after);
    expect(head.parents[0]?.sha).toBe(res.body.before);
    expect(head.author?.login).toBe('monalisa');
    const one = (await api.get<S['commit']>(`/repos/octocat/Hello-World/commits/${head.sha}`)).body;
    expect(one.stats).toEqual({ total: 12, additions: 10, deletions: 2 });
    expect(one.files?.map((f) => f.filename)).toEqual(['src/a.ts', 'src/b.ts']);
    const g = await graphql<{
      repository: { defaultBranchRef: { target: { oid: string; history: { totalCount: number } } } };
    }>(
      sim,
      token,
      '{ repository(owner: "octocat", name: "Hello-World") { defaultBranchRef { target { ... on Commit { oid history { totalCount } } } } } }',
    );
    expect(g.data?.repository.defaultBranchRef.target.oid).toBe(res.body.after);
    expect(g.data?.repository.defaultBranchRef.target.history.totalCount).toBe(51);
  });

  it('creates and deletes branches', async () => {
    expect((await ctl.post('/repos/octocat/Hello-World/branches', { branch: 'topic/x' })).status).toBe(201);
    expect((await api.get('/repos/octocat/Hello-World/branches/topic/x')).status).toBe(200);
    expect((await ctl.post('/repos/octocat/Hello-World/branches', { branch: 'topic/x' })).status).toBe(422);
    expect((await ctl.delete('/repos/octocat/Hello-World/branches/topic/x')).status).toBe(200);
    expect((await api.get('/repos/octocat/Hello-World/branches/topic/x')).status).toBe(404);
    expect((await ctl.delete('/repos/octocat/Hello-World/branches/main')).status).toBe(422);
  });

  it('opens, reviews and merges a pull request; GraphQL reports MERGED and the merge commit', async () => {
    await ctl.post('/repos/octocat/Hello-World/push', { branch: 'feature/merge-me', commits: 3 });
    const opened = await ctl.post<{ number: number }>('/repos/octocat/Hello-World/pulls', {
      head: 'feature/merge-me',
      title: 'Merge me',
      author: 'octocat',
    });
    expect(opened.status).toBe(201);
    const n = opened.body.number;
    const pr = (await api.get<S['pull-request']>(`/repos/octocat/Hello-World/pulls/${n}`)).body;
    expect(pr).toMatchObject({ state: 'open', commits: 3, merged: false });
    expect(
      (
        await ctl.post(`/repos/octocat/Hello-World/pulls/${n}/reviews`, {
          reviewer: 'octocat',
          state: 'APPROVED',
        })
      ).status,
    ).toBe(422);
    expect(
      (
        await ctl.post(`/repos/octocat/Hello-World/pulls/${n}/reviews`, {
          reviewer: 'monalisa',
          state: 'APPROVED',
        })
      ).status,
    ).toBe(201);
    const merged = await ctl.post<{ sha: string; merged: boolean }>(
      `/repos/octocat/Hello-World/pulls/${n}/merge`,
      { method: 'merge', sender: 'octocat' },
    );
    expect(merged.body.merged).toBe(true);
    expect((await ctl.post(`/repos/octocat/Hello-World/pulls/${n}/merge`, {})).status).toBe(405);
    const g = await graphql<{
      repository: {
        pullRequest: {
          state: string;
          mergeCommit: { oid: string; parents: { totalCount: number } };
          reviews: { nodes: Array<{ state: string }> };
        };
      };
    }>(
      sim,
      token,
      `{ repository(owner: "octocat", name: "Hello-World") { pullRequest(number: ${n}) { state mergeCommit { oid parents { totalCount } } reviews(first: 5) { nodes { state } } } } }`,
    );
    expect(g.data?.repository.pullRequest).toEqual({
      state: 'MERGED',
      mergeCommit: { oid: merged.body.sha, parents: { totalCount: 2 } },
      reviews: { nodes: [{ state: 'APPROVED' }] },
    });
    // The merged branch's commits are now in the default branch history.
    const commits = (await api.get<S['commit'][]>('/repos/octocat/Hello-World/commits?per_page=10')).body;
    expect(commits[0]?.sha).toBe(merged.body.sha);
    expect(commits.slice(1, 4).every((c) => c.commit.message.length > 0)).toBe(true);
  });

  it('updates and closes pull requests, and rejects bad input with 4xx', async () => {
    await ctl.post('/repos/octocat/Hello-World/push', { branch: 'feature/close-me', commits: 1 });
    const { body } = await ctl.post<{ number: number }>('/repos/octocat/Hello-World/pulls', {
      head: 'feature/close-me',
      title: 'Close me',
      draft: true,
    });
    expect(
      (await ctl.patch(`/repos/octocat/Hello-World/pulls/${body.number}`, { title: 'Renamed', draft: false }))
        .status,
    ).toBe(200);
    expect((await ctl.post(`/repos/octocat/Hello-World/pulls/${body.number}/close`)).status).toBe(200);
    const pr = (await api.get<S['pull-request']>(`/repos/octocat/Hello-World/pulls/${body.number}`)).body;
    expect(pr).toMatchObject({ title: 'Renamed', state: 'closed', draft: false, merged: false });
    expect((await ctl.post('/repos/octocat/Hello-World/pulls', { head: 'nope', title: 'x' })).status).toBe(
      422,
    );
    expect((await ctl.post('/repos/octocat/Hello-World/pulls', { head: 'main', title: 'x' })).status).toBe(
      422,
    );
    expect((await ctl.post('/repos/octocat/Hello-World/pulls', { head: 'feature/close-me' })).status).toBe(
      422,
    );
    expect((await ctl.patch('/repos/octocat/Hello-World/pulls/abc', { state: 'open' })).status).toBe(422);
    expect(
      (await ctl.patch(`/repos/octocat/Hello-World/pulls/${body.number}`, { state: 'merged' })).status,
    ).toBe(422);
    expect((await ctl.post('/repos/octocat/nope/push', {})).status).toBe(404);
    expect((await ctl.post('/repos/octocat/Hello-World/push', { commits: 'many' })).status).toBe(422);
    expect(
      (
        await ctl.call('POST', '/repos/octocat/Hello-World/push', '{bad json', {
          'content-type': 'application/json',
        })
      ).status,
    ).toBe(400);
  });

  it('stars and unstars, visible in stargazers_count and stargazerCount', async () => {
    const before = (await api.get<S['full-repository']>('/repos/octocat/Hello-World')).body.stargazers_count;
    const already = sim.world
      .detail(sim.world.repo('octocat', 'Hello-World') as NonNullable<ReturnType<typeof sim.world.repo>>)
      .stars.some((s) => s.userId === 7);
    await ctl.put('/repos/octocat/Hello-World/stars/hubot');
    const mid = (await api.get<S['full-repository']>('/repos/octocat/Hello-World')).body.stargazers_count;
    expect(mid).toBe(already ? before : before + 1);
    await ctl.delete('/repos/octocat/Hello-World/stars/hubot');
    const g = await graphql<{ repository: { stargazerCount: number } }>(
      sim,
      token,
      '{ repository(owner: "octocat", name: "Hello-World") { stargazerCount } }',
    );
    expect(g.data?.repository.stargazerCount).toBe(already ? before - 1 : before);
  });

  it('forks a repo (forks_count grows, the fork shares history)', async () => {
    const before = (await api.get<S['full-repository']>('/repos/octocat/Hello-World')).body.forks_count;
    const res = await ctl.post<{ full_name: string }>('/repos/octocat/Hello-World/forks', {
      login: 'monalisa',
    });
    expect(res.body.full_name).toBe('monalisa/Hello-World');
    expect((await api.get<S['full-repository']>('/repos/octocat/Hello-World')).body.forks_count).toBe(
      before + 1,
    );
    const fork = (await api.get<S['full-repository']>('/repos/monalisa/Hello-World')).body;
    expect(fork.fork).toBe(true);
    expect(fork.parent?.full_name).toBe('octocat/Hello-World');
    const [a] = (await api.get<S['commit'][]>('/repos/monalisa/Hello-World/commits?per_page=1')).body;
    const [b] = (await api.get<S['commit'][]>('/repos/octocat/Hello-World/commits?per_page=1')).body;
    expect(a?.sha).toBeDefined();
    expect(a?.sha).toBe(b?.sha);
  });

  it('archives, transfers and deletes repos', async () => {
    await ctl.post('/repos/acme-corp/playground/archive', { archived: true });
    expect((await api.get<S['full-repository']>('/repos/acme-corp/playground')).body.archived).toBe(true);
    expect((await ctl.post('/repos/acme-corp/playground/push', { commits: 1 })).status).toBe(403);
    await ctl.post('/repos/acme-corp/playground/transfer', { new_owner: 'octocat' });
    expect((await api.get<S['full-repository']>('/repos/octocat/playground')).body.owner.login).toBe(
      'octocat',
    );
    expect((await api.get('/repos/acme-corp/playground')).status).toBe(301);
    await ctl.delete('/repos/octocat/playground');
    expect((await api.get('/repos/octocat/playground')).status).toBe(404);
    const g = await graphql(sim, token, '{ repository(owner: "octocat", name: "playground") { id } }');
    expect(g.errors?.[0]).toMatchObject({ type: 'NOT_FOUND' });
  });

  it('opens and closes issues, reflected in the open issue counts', async () => {
    const q = '{ repository(owner: "octocat", name: "Hello-World") { issues(states: OPEN) { totalCount } } }';
    const before =
      (await graphql<{ repository: { issues: { totalCount: number } } }>(sim, token, q)).data?.repository
        .issues.totalCount ?? 0;
    const { body } = await ctl.post<{ number: number }>('/repos/octocat/Hello-World/issues', {
      title: 'Bug',
      labels: ['bug'],
    });
    expect(
      (await graphql<{ repository: { issues: { totalCount: number } } }>(sim, token, q)).data?.repository
        .issues.totalCount,
    ).toBe(before + 1);
    await ctl.post(`/repos/octocat/Hello-World/issues/${body.number}/close`, { reason: 'not_planned' });
    expect(
      (await graphql<{ repository: { issues: { totalCount: number } } }>(sim, token, q)).data?.repository
        .issues.totalCount,
    ).toBe(before);
    const issue = (
      await api.get<S['issue'][]>('/repos/octocat/Hello-World/issues?state=closed&per_page=100')
    ).body.find((i) => i.number === body.number);
    expect(issue?.state_reason).toBe('not_planned');
  });

  it('revokes a user’s access: a private repo turns into 404 for them', async () => {
    const priv = [...sim.world.repos.values()].find(
      (r) => r.private && r.ownerType === 'Organization' && !r.deleted,
    );
    expect(priv).toBeDefined();
    const name = sim.world.fullName(priv as NonNullable<typeof priv>);
    expect((await api.get(`/repos/${name}`)).status).toBe(200);
    await ctl.delete(`/repos/${name}/access/octocat`);
    expect((await api.get(`/repos/${name}`)).status).toBe(404);
    await ctl.put(`/repos/${name}/access/octocat`, { permission: 'admin' });
    expect((await api.get(`/repos/${name}`)).status).toBe(200);
  });

  it('mints tokens, lists users and repos, reports stats and resets the world', async () => {
    const t = await ctl.post<{ token: string }>('/tokens', { login: 'hubot', scopes: ['repo'] });
    expect(t.body.token).toMatch(/^gho_/);
    expect((await client(sim, t.body.token).get<{ login: string }>('/user')).body.login).toBe('hubot');
    expect((await ctl.get<Array<{ login: string }>>('/users')).body.map((u) => u.login)).toContain('octocat');
    const stats = await ctl.get<{
      rest: { requests: number; byRoute: Record<string, number> };
      world: { repos: number };
    }>('/stats');
    expect(stats.body.rest.byRoute['GET /repos/{owner}/{repo}']).toBeGreaterThan(0);
    expect((await ctl.post('/reset')).status).toBe(200);
    expect((await api.get('/user')).status).toBe(401); // tokens are part of the world
    expect((await ctl.get<{ rest: { requests: number } }>('/stats')).body.rest.requests).toBe(1);
    expect((await client(sim, sim.issueToken('octocat')).get('/repos/octocat/Spoon-Knife')).status).toBe(200);
    token = sim.issueToken('octocat');
    api = client(sim, token);
  });

  it('is absent when controlApi is false', async () => {
    const off = await startGithubSim({ preset: 'small', controlApi: false });
    try {
      expect((await fetch(`${off.url}/_sim/stats`)).status).toBe(404);
    } finally {
      await off.stop();
    }
  });
});
