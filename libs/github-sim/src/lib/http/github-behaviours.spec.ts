import { client, control, graphql } from '../../spec/helpers';
import { startGithubSim } from '../server';
import type { GithubSimHandle } from '../sim.types';

/** Things real GitHub always does (not faults). */
describe('GitHub behaviours', () => {
  let sim: GithubSimHandle;
  let api: ReturnType<typeof client>;
  let token: string;

  beforeAll(async () => {
    sim = await startGithubSim({ preset: 'small', seed: 9 });
    token = sim.issueToken('octocat', ['repo', 'read:org', 'admin:repo_hook']);
    api = client(sim, token);
  });
  afterAll(() => sim.stop());

  describe('renamed repositories', () => {
    it('answer GET with 301 and other methods with 307, and a followed POST stays a POST', async () => {
      const id = (await api.get<{ id: number }>('/repos/octocat/Spoon-Knife')).body.id;
      await control(sim).post('/repos/octocat/Spoon-Knife/rename', { name: 'Spoon-Fork' });
      const get = await api.get<{ message: string; url: string }>(
        '/repos/octocat/Spoon-Knife/hooks?per_page=5',
      );
      expect(get.status).toBe(301);
      expect(get.headers.get('location')).toBe(`${sim.apiUrl}/repositories/${id}/hooks?per_page=5`);
      const post = await api.post<{ message: string; url: string }>('/repos/octocat/Spoon-Knife/hooks', {
        config: { url: 'http://127.0.0.1:9/moved' },
      });
      expect(post.status).toBe(307);
      // GitHub's 307 says "Moved Permanently" too (recorded in @octokit/fixtures' rename-repository).
      expect(post.body).toMatchObject({
        message: 'Moved Permanently',
        url: `${sim.apiUrl}/repositories/${id}/hooks`,
      });
      expect(post.headers.get('location')).toBe(`${sim.apiUrl}/repositories/${id}/hooks`);
      for (const method of ['PATCH', 'DELETE'])
        expect((await api.call(method, '/repos/octocat/Spoon-Knife/hooks/1', {})).status).toBe(307);
      const followed = await fetch(`${sim.apiUrl}/repos/octocat/Spoon-Knife/hooks`, {
        method: 'POST',
        redirect: 'follow',
        headers: { authorization: `token ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ config: { url: 'http://127.0.0.1:9/followed' } }),
      });
      expect(followed.status).toBe(201);
      const hooks = (await api.get<Array<{ config: { url: string } }>>('/repos/octocat/Spoon-Fork/hooks'))
        .body;
      expect(hooks.map((h) => h.config.url)).toContain('http://127.0.0.1:9/followed');
    });
  });

  describe('404s', () => {
    it.each([
      '/repos/octocat/no-such-repo',
      '/repos/octocat/Hello-World/no-such-thing',
      '/repositories/999999999',
      '/no/such/route',
    ])('%s carries the rate-limit headers', async (path) => {
      const res = await api.get<Record<string, unknown>>(path);
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ message: 'Not Found' });
      expect(res.headers.get('x-ratelimit-limit')).toBe('5000');
      expect(res.headers.get('x-ratelimit-remaining')).toMatch(/^\d+$/);
      expect(res.headers.get('x-ratelimit-reset')).toMatch(/^\d+$/);
      expect(res.headers.get('x-ratelimit-resource')).toBe('core');
    });

    it('while a Bad credentials 401 does not', async () => {
      const res = await client(sim, 'gho_not-a-token').get<Record<string, unknown>>(
        '/repos/octocat/no-such-repo',
      );
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ message: 'Bad credentials' });
      expect(res.headers.get('x-ratelimit-remaining')).toBeNull();
    });
  });

  describe('rateLimit(dryRun: true)', () => {
    it('costs the query without running it or charging points', async () => {
      const me = sim.issueToken('hubot', ['repo']);
      const q = `query($dry: Boolean!) {
        rateLimit(dryRun: $dry) { cost remaining nodeCount }
        viewer { repositories(first: 100) { nodes { pullRequests(first: 10) { nodes { reviews(first: 10) { totalCount } } } } } }
      }`;
      sim.setFaults({ graphqlPartial: { field: 'additions' }, graphqlTimeout: {} });
      try {
        const dry = await graphql<{ rateLimit: { cost: number; remaining: number; nodeCount: number } }>(
          sim,
          me,
          q,
          { dry: true },
        );
        expect(dry.status).toBe(200);
        expect(dry.errors).toBeUndefined();
        expect(Object.keys(dry.data ?? {})).toEqual(['rateLimit']);
        expect(dry.data?.rateLimit).toEqual({ cost: 11, remaining: 5000, nodeCount: 11100 });
        const literal = await graphql(sim, me, '{ rateLimit(dryRun: true) { cost } viewer { login } }');
        expect(literal.data).toEqual({ rateLimit: { cost: 1 } });
      } finally {
        sim.setFaults({});
      }
      const real = await graphql<{ rateLimit: { cost: number; remaining: number } }>(sim, me, q, {
        dry: false,
      });
      expect(real.data?.rateLimit).toMatchObject({ cost: 11, remaining: 4989 });
      expect(real.data).toHaveProperty('viewer');
    });
  });

  describe('GraphQL secondary limit (2,000 points per minute)', () => {
    const heavy =
      '{ viewer { repositories(first: 100) { nodes { pullRequests(first: 10) { nodes { reviews(first: 10) { totalCount } } } } } } }';

    it('counts each query as 1 point, as GitHub documents, not its cost', async () => {
      const s = await startGithubSim({
        preset: 'small',
        rateLimit: { secondary: { graphqlPointsPerMinute: 3 } },
      });
      try {
        const t = s.issueToken('octocat');
        for (let k = 0; k < 3; k++) expect((await graphql(s, t, heavy)).status).toBe(200);
        const over = await graphql(s, t, heavy);
        expect(over.status).toBe(403);
        expect(String((over as unknown as { message: string }).message)).toMatch(/secondary rate limit/);
        expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
      } finally {
        await s.stop();
      }
    });

    it('can still charge the full query cost (graphqlMinuteCharge: queryCost)', async () => {
      const s = await startGithubSim({
        preset: 'small',
        rateLimit: { secondary: { graphqlPointsPerMinute: 12, graphqlMinuteCharge: 'queryCost' } },
      });
      try {
        const t = s.issueToken('octocat');
        expect((await graphql(s, t, heavy)).status).toBe(200);
        expect((await graphql(s, t, heavy)).status).toBe(403);
      } finally {
        await s.stop();
      }
    });
  });
});
