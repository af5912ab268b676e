import { client, control, graphql } from '../../spec/helpers';
import { startGithubSim } from '../server';
import type { GithubSimHandle } from '../sim.types';
import { SimWorld } from '../world/sim-world';
import { forksOf } from '../world/forks';

const STARGAZERS = `
  query Stargazers($owner: String!, $name: String!, $first: Int!, $after: String, $direction: OrderDirection!) {
    rateLimit { cost }
    repository(owner: $owner, name: $name) {
      stargazerCount
      stargazers(first: $first, after: $after, orderBy: { field: STARRED_AT, direction: $direction }) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges { starredAt node { databaseId login } }
      }
    }
  }`;

const FORKS = `
  query Forks($owner: String!, $name: String!, $first: Int!, $after: String) {
    rateLimit { cost }
    repository(owner: $owner, name: $name) {
      forkCount
      createdAt
      forks(first: $first, after: $after, orderBy: { field: CREATED_AT, direction: DESC }) {
        totalCount
        pageInfo { hasNextPage endCursor }
        nodes { databaseId nameWithOwner createdAt isFork parent { nameWithOwner } }
      }
    }
  }`;

interface StarPage {
  rateLimit: { cost: number };
  repository: {
    stargazerCount: number;
    stargazers: {
      totalCount: number;
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
      edges: Array<{ starredAt: string; node: { databaseId: number; login: string } }>;
    };
  };
}

interface ForkPage {
  rateLimit: { cost: number };
  repository: {
    forkCount: number;
    createdAt: string;
    forks: {
      totalCount: number;
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
      nodes: Array<{
        databaseId: number;
        nameWithOwner: string;
        createdAt: string;
        isFork: boolean;
        parent: { nameWithOwner: string } | null;
      }>;
    };
  };
}

describe('stargazers and forks with their dates', () => {
  let sim: GithubSimHandle;
  let token: string;
  const repo = { owner: 'octocat', name: 'Hello-World' };

  beforeAll(async () => {
    // Enough users for a few pages of stargazers.
    sim = await startGithubSim({
      preset: 'small',
      sizes: { users: 240, starsPerRepo: 1000, forksPerRepo: 200 },
    });
    token = sim.issueToken('octocat');
  });
  afterAll(() => sim.stop());

  async function allStars(direction: 'ASC' | 'DESC', first: number) {
    const edges: StarPage['repository']['stargazers']['edges'] = [];
    let after: string | null = null;
    let pages = 0;
    let cost = 0;
    for (;;) {
      const res: { data?: StarPage; errors?: unknown[] } = await graphql<StarPage>(sim, token, STARGAZERS, {
        ...repo,
        first,
        after,
        direction,
      });
      expect(res.errors).toBeUndefined();
      const conn: StarPage['repository']['stargazers'] = (res.data as StarPage).repository.stargazers;
      edges.push(...conn.edges);
      pages++;
      cost += (res.data as StarPage).rateLimit.cost;
      if (!conn.pageInfo.hasNextPage) return { edges, pages, cost, total: conn.totalCount };
      after = conn.pageInfo.endCursor;
    }
  }

  it('pages every stargazer newest first with starredAt, and the list matches stargazerCount', async () => {
    const count = (
      await graphql<StarPage>(sim, token, STARGAZERS, { ...repo, first: 1, after: null, direction: 'DESC' })
    ).data?.repository.stargazerCount as number;
    expect(count).toBeGreaterThan(100);
    const { edges, pages, cost, total } = await allStars('DESC', 100);
    expect(total).toBe(count);
    expect(edges).toHaveLength(count);
    expect(pages).toBe(Math.ceil(count / 100));
    // One connection per query: GitHub's formula gives 1 point per page.
    expect(cost).toBe(pages);
    const times = edges.map((e) => Date.parse(e.starredAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(new Set(edges.map((e) => e.node.databaseId)).size).toBe(count);
    expect(edges[0]?.starredAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('spreads the stars over the repository life and answers ASC as the reverse of DESC', async () => {
    const desc = (await allStars('DESC', 100)).edges;
    const asc = (await allStars('ASC', 37)).edges;
    expect(asc.map((e) => e.node.login)).toEqual([...desc].reverse().map((e) => e.node.login));
    const created = sim.world.repo('octocat', 'Hello-World')?.createdAt as number;
    const first = Date.parse(asc[0]?.starredAt as string);
    const last = Date.parse(asc[asc.length - 1]?.starredAt as string);
    expect(first).toBeGreaterThanOrEqual(created);
    // Not bunched on one day: the stars cover most of the repository's life.
    expect(last - first).toBeGreaterThan((Date.now() - created) / 2);
  });

  it('REST stargazers carry starred_at with the star media type, oldest first, and users without it', async () => {
    const api = client(sim, token);
    const starred = await api.get<Array<{ starred_at: string; user: { login: string } }>>(
      '/repos/octocat/Hello-World/stargazers?per_page=100',
      { accept: 'application/vnd.github.star+json' },
    );
    expect(starred.status).toBe(200);
    expect(starred.headers.get('link')).toContain('rel="next"');
    const times = starred.body.map((s) => Date.parse(s.starred_at));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(starred.body[0]?.user.login).toEqual(expect.any(String));
    const plain = await api.get<Array<Record<string, unknown>>>('/repos/octocat/Hello-World/stargazers');
    expect(plain.body[0]).not.toHaveProperty('starred_at');
    expect(plain.body[0]).toHaveProperty('login');
  });

  it('lists forks newest first with createdAt, as many as forkCount, each a fork of the repository', async () => {
    const nodes: ForkPage['repository']['forks']['nodes'] = [];
    let after: string | null = null;
    let forkCount = 0;
    let createdAt = '';
    for (;;) {
      const res: { data?: ForkPage; errors?: unknown[] } = await graphql<ForkPage>(sim, token, FORKS, {
        ...repo,
        first: 10,
        after,
      });
      expect(res.errors).toBeUndefined();
      const r: ForkPage['repository'] = (res.data as ForkPage).repository;
      forkCount = r.forkCount;
      createdAt = r.createdAt;
      nodes.push(...r.forks.nodes);
      if (!r.forks.pageInfo.hasNextPage) break;
      after = r.forks.pageInfo.endCursor;
    }
    expect(forkCount).toBeGreaterThan(10);
    expect(nodes).toHaveLength(forkCount);
    expect(new Set(nodes.map((n) => n.databaseId)).size).toBe(forkCount);
    const times = nodes.map((n) => Date.parse(n.createdAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(Math.min(...times)).toBeGreaterThanOrEqual(Date.parse(createdAt));
    expect(nodes.every((n) => n.isFork && n.parent?.nameWithOwner === 'octocat/Hello-World')).toBe(true);
  });

  it('REST forks page newest first by default and oldest first on request', async () => {
    const api = client(sim, token);
    const newest = await api.get<Array<{ id: number; created_at: string; fork: boolean }>>(
      '/repos/octocat/Hello-World/forks?per_page=100',
    );
    const oldest = await api.get<Array<{ id: number }>>(
      '/repos/octocat/Hello-World/forks?sort=oldest&per_page=100',
    );
    expect(newest.status).toBe(200);
    expect(newest.body.every((f) => f.fork)).toBe(true);
    expect(oldest.body.map((f) => f.id)).toEqual([...newest.body].reverse().map((f) => f.id));
    expect((await api.get('/repos/octocat/Hello-World/forks?sort=sideways')).status).toBe(422);
  });

  it('a fork made in the world joins the list (newest) without changing the others', async () => {
    const before = forksOf(sim.world, sim.world.repo('octocat', 'Hello-World')!).map((f) => f.id);
    await control(sim).post('/repos/octocat/Hello-World/forks', { login: 'hubot' });
    const res = await graphql<ForkPage>(sim, token, FORKS, { ...repo, first: 1, after: null });
    const r = (res.data as ForkPage).repository;
    expect(r.forks.nodes[0]?.nameWithOwner).toBe('hubot/Hello-World');
    expect(r.forks.totalCount).toBe(before.length + 1);
    expect(r.forkCount).toBe(before.length + 1);
    const after = forksOf(sim.world, sim.world.repo('octocat', 'Hello-World')!).map((f) => f.id);
    expect(after.filter((id) => before.includes(id))).toEqual(before);
  });

  it('an unstar leaves the stargazers list', async () => {
    const ctl = control(sim);
    const star = (await allStars('DESC', 100)).edges[0] as StarPage['repository']['stargazers']['edges'][0];
    await ctl.delete(`/repos/octocat/Hello-World/stars/${star.node.login}`);
    const after = (await allStars('DESC', 100)).edges;
    expect(after.map((e) => e.node.login)).not.toContain(star.node.login);
  });
});

describe('generated stargazers and forks', () => {
  it('are the same for the same seed, whichever repository is looked at first', () => {
    const a = new SimWorld({ preset: 'demo', seed: 9 });
    const b = new SimWorld({ preset: 'demo', seed: 9 });
    const reposA = [...a.repos.values()];
    const reposB = [...b.repos.values()].reverse();
    for (const r of reposB) forksOf(b, r);
    for (const r of reposA) {
      const twin = b.repos.get(r.id)!;
      expect(forksOf(a, r).map((f) => [f.id, f.ownerId, f.createdAt])).toEqual(
        forksOf(b, twin).map((f) => [f.id, f.ownerId, f.createdAt]),
      );
      expect(forksOf(a, r)).toHaveLength(r.forksCount);
      expect(a.detail(r).stars).toEqual(b.detail(twin).stars);
    }
  });

  it('keep the large preset cheap: forks are derived on demand, not stored', () => {
    const w = new SimWorld({ preset: 'large' });
    const r = [...w.repos.values()][999]!;
    expect(r.forksCount).toBeLessThanOrEqual(4);
    expect(forksOf(w, r)).toHaveLength(r.forksCount);
  });
});
