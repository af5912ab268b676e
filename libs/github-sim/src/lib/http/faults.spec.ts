import { client, control, graphql } from '../../spec/helpers';
import { startGithubSim } from '../server';
import type { GithubSimHandle } from '../sim.types';

describe('fault injection', () => {
  let sim: GithubSimHandle;
  let api: ReturnType<typeof client>;
  let token: string;

  beforeAll(async () => {
    sim = await startGithubSim({ preset: 'small', seed: 3 });
    token = sim.issueToken('octocat');
    api = client(sim, token);
  });
  afterEach(() => sim.setFaults({}));
  afterAll(() => sim.stop());

  it('fails the next N requests with 502, then recovers', async () => {
    sim.setFaults({ failNext: 2 });
    const a = await api.get<{ message: string }>('/user');
    expect(a.status).toBe(502);
    expect(a.body.message).toBe('Server Error');
    expect((await api.get('/user')).status).toBe(502);
    expect((await api.get('/user')).status).toBe(200);
    expect(sim.stats().faults.injectedErrors).toBeGreaterThanOrEqual(2);
  });

  it('injects errors at a seeded rate, the same sequence on every run', async () => {
    const run = async (s: GithubSimHandle) => {
      s.setFaults({ errorRate: 0.5, errorStatus: 500 });
      const c = client(s, s.issueToken('octocat'));
      const out: number[] = [];
      for (let k = 0; k < 20; k++) out.push((await c.get('/rate_limit')).status);
      return out;
    };
    const other = await startGithubSim({ preset: 'small', seed: 3 });
    try {
      const a = await run(sim);
      const b = await run(other);
      expect(a).toEqual(b);
      expect(a).toContain(500);
      expect(a).toContain(200);
    } finally {
      await other.stop();
    }
  });

  it('adds latency', async () => {
    sim.setFaults({ latencyMs: 120 });
    const t = performance.now();
    await api.get('/user');
    expect(performance.now() - t).toBeGreaterThanOrEqual(110);
  });

  it('answers the secondary rate limit with 403 and Retry-After every N requests', async () => {
    sim.setFaults({ secondaryRateLimit: { everyN: 2, retryAfterSec: 7 } });
    expect((await api.get('/user')).status).toBe(200);
    const hit = await api.get<{ message: string }>('/user');
    expect(hit.status).toBe(403);
    expect(hit.headers.get('retry-after')).toBe('7');
    expect(hit.body.message).toMatch(/secondary rate limit/);
    sim.setFaults({ secondaryRateLimit: { status: 429 } });
    expect((await api.get('/user')).status).toBe(429);
  });

  it('exhausts the primary limit for REST and GraphQL on demand', async () => {
    sim.setFaults({ exhaustPrimary: true });
    const rest = await api.get('/user');
    expect(rest.status).toBe(403);
    expect(rest.headers.get('x-ratelimit-remaining')).toBe('0');
    const gql = await graphql(sim, token, '{ viewer { login } }');
    expect(gql.errors?.[0]).toMatchObject({ type: 'RATE_LIMITED' });
    sim.setFaults({ exhaustPrimary: 'graphql' });
    expect((await api.get('/user')).status).toBe(200);
  });

  it('answers 502 when a GraphQL query could return more nodes than allowed', async () => {
    sim.setFaults({ graphqlMaxNodes: 50 });
    const small = await graphql(sim, token, '{ viewer { repositories(first: 50) { nodes { id } } } }');
    expect(small.status).toBe(200);
    const big = await graphql(sim, token, '{ viewer { repositories(first: 51) { nodes { id } } } }');
    expect(big.status).toBe(502);
    expect(big.data).toBeNull();
    expect(String(big.errors?.[0]?.['message'])).toMatch(/^Something went wrong while executing your query/);
  });

  it('limits faults to paths matching pathPattern', async () => {
    sim.setFaults({ failNext: 1, pathPattern: '^/graphql' });
    expect((await api.get('/user')).status).toBe(200);
    expect((await graphql(sim, token, '{ viewer { login } }')).status).toBe(502);
  });

  it('is configurable at runtime through /_sim/faults, which validates input', async () => {
    const ctl = control(sim);
    expect((await ctl.put('/faults', { failNext: 1, errorStatus: 503 })).status).toBe(200);
    expect((await api.get('/user')).status).toBe(503);
    expect((await ctl.get<Record<string, unknown>>('/faults')).body).toMatchObject({ errorStatus: 503 });
    for (const bad of [
      { errorRate: 2 },
      { errorStatus: 418 },
      { latencyMs: -1 },
      { pathPattern: '(' },
      { bogus: 1 },
      { secondaryRateLimit: { everyN: 0 } },
    ]) {
      expect((await ctl.put('/faults', bad)).status).toBe(422);
    }
    expect(() => sim.setFaults({ errorRate: 5 })).toThrow();
  });

  it('enforces GitHub’s secondary limit on REST points per minute (writes cost 5)', async () => {
    const s = await startGithubSim({ preset: 'small', rateLimit: { secondary: { restPointsPerMinute: 6 } } });
    try {
      const c = client(s, s.issueToken('octocat'));
      expect(
        (await c.post('/repos/octocat/Hello-World/hooks', { config: { url: 'http://127.0.0.1:9/x' } }))
          .status,
      ).toBe(201);
      expect((await c.get('/user')).status).toBe(200);
      const res = await c.get<{ message: string }>('/user');
      expect(res.status).toBe(403);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(s.stats().rateLimit.secondaryRejections).toBe(1);
    } finally {
      await s.stop();
    }
  });
});
