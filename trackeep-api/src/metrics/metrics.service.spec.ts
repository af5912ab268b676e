import { MetricsService } from './metrics.service';

/**
 * The value of one series in the exposition text, e.g. sample(sut, 'trackeep_sync_items_total{kind="commits"}');
 * label order does not matter and the default label app="trackeep-api" is implied.
 */
async function sample(sut: MetricsService, series: string): Promise<number | undefined> {
  const parse = (s: string) => {
    const [, name, labels = ''] = /^([a-z_]+)(?:\{(.*)\})?$/.exec(s) ?? [];
    return { name, labels: labels.split(',').filter(Boolean).sort().join(',') };
  };
  const wanted = parse(
    series.replace('{', '{app="trackeep-api",').replace(/^([a-z_]+)$/, '$1{app="trackeep-api"}'),
  );
  for (const line of (await sut.registry.metrics()).split('\n')) {
    if (line.startsWith('#') || !line) continue;
    const space = line.lastIndexOf(' ');
    const got = parse(line.slice(0, space));
    if (got.name === wanted.name && got.labels === wanted.labels) return Number(line.slice(space + 1));
  }
  return undefined;
}

describe(MetricsService.name, () => {
  let sut: MetricsService;

  beforeEach(() => {
    sut = new MetricsService();
  });

  it('counts a sync job from start to result and times it', async () => {
    const finish = sut.syncJobStarted('repo');
    expect(await sample(sut, 'trackeep_sync_jobs_started_total{kind="repo"}')).toBe(1);
    finish('succeeded');
    finish('failed'); // a second call is ignored: one job, one result
    expect(await sample(sut, 'trackeep_sync_jobs_finished_total{kind="repo",result="succeeded"}')).toBe(1);
    expect(
      await sample(sut, 'trackeep_sync_jobs_finished_total{kind="repo",result="failed"}'),
    ).toBeUndefined();
    expect(
      await sample(sut, 'trackeep_sync_job_duration_seconds_count{kind="repo",result="succeeded"}'),
    ).toBe(1);
  });

  it('adds up items synced and GitHub points, ignoring zero', async () => {
    sut.itemsSynced('commits', 250);
    sut.itemsSynced('commits', 50);
    sut.itemsSynced('branches', 0);
    sut.githubPointsSpent('graphql', 3);
    sut.githubPointsSpent('graphql', 1);
    sut.githubRequest('rest', 304);
    sut.githubRequest('rest', 'error');
    expect(await sample(sut, 'trackeep_sync_items_total{kind="commits"}')).toBe(300);
    expect(await sample(sut, 'trackeep_sync_items_total{kind="branches"}')).toBeUndefined();
    expect(await sample(sut, 'trackeep_github_points_total{api="graphql"}')).toBe(4);
    expect(await sample(sut, 'trackeep_github_requests_total{api="rest",status="304"}')).toBe(1);
    expect(await sample(sut, 'trackeep_github_requests_total{api="rest",status="error"}')).toBe(1);
  });

  it('reports the lowest rate-limit remaining seen since the previous scrape', async () => {
    sut.githubRateLimit('core', 4000);
    sut.githubRateLimit('core', 120);
    sut.githubRateLimit('core', 3000);
    expect(await sample(sut, 'trackeep_github_rate_limit_remaining{resource="core"}')).toBe(120);
    sut.githubRateLimit('core', 4999);
    expect(await sample(sut, 'trackeep_github_rate_limit_remaining{resource="core"}')).toBe(4999);
    // Nothing new: the last value stays.
    expect(await sample(sut, 'trackeep_github_rate_limit_remaining{resource="core"}')).toBe(4999);
  });

  it('reports the budget left per credential and resource, the latest value each', async () => {
    const userId = '6f1f2c1e-0000-4000-8000-000000000001';
    sut.githubBudget(userId, 'graphql', 4990);
    sut.githubBudget(userId, 'graphql', 4987);
    sut.githubBudget(userId, 'core', 4999);
    sut.githubBudget(userId, 'not a resource', 1);
    expect(
      await sample(sut, `trackeep_github_budget_remaining{credential="${userId}",resource="graphql"}`),
    ).toBe(4987);
    expect(
      await sample(sut, `trackeep_github_budget_remaining{credential="${userId}",resource="core"}`),
    ).toBe(4999);
    expect(
      await sample(sut, `trackeep_github_budget_remaining{credential="${userId}",resource="other"}`),
    ).toBe(1);
  });

  it('counts nothing for GET /rate_limit, which GitHub does not charge', async () => {
    const { Octokit } = await import('@octokit/core');
    const fetch = async () =>
      new Response('{"resources":{}}', { status: 200, headers: { 'content-type': 'application/json' } });
    const octokit = new Octokit({ request: { fetch } });
    sut.instrumentOctokit(octokit);
    await octokit.request('GET /rate_limit');
    expect(await sample(sut, 'trackeep_github_requests_total{api="rest",status="200"}')).toBe(1);
    expect(await sample(sut, 'trackeep_github_points_total{api="rest"}')).toBeUndefined();
  });

  it('labels webhook deliveries by event and result, grouping odd event names', async () => {
    sut.webhookDelivery('push', 'accepted');
    sut.webhookDelivery('push', 'duplicate');
    sut.webhookDelivery('<script>', 'rejected');
    sut.webhookProcessed('push', new Date(Date.now() - 2000));
    expect(await sample(sut, 'trackeep_webhook_deliveries_total{event="push",result="accepted"}')).toBe(1);
    expect(await sample(sut, 'trackeep_webhook_deliveries_total{event="other",result="rejected"}')).toBe(1);
    expect(await sample(sut, 'trackeep_webhook_processing_lag_seconds_bucket{event="push",le="1"}')).toBe(0);
    expect(await sample(sut, 'trackeep_webhook_processing_lag_seconds_bucket{event="push",le="2.5"}')).toBe(
      1,
    );
  });

  it('reads inbox depth and SSE clients from the registered sources at scrape time', async () => {
    let depth = 7;
    sut.countInboxDepthWith(async () => depth);
    sut.countSseClientsWith(() => 3);
    expect(await sample(sut, 'trackeep_webhook_inbox_depth')).toBe(7);
    depth = 2;
    expect(await sample(sut, 'trackeep_webhook_inbox_depth')).toBe(2);
    expect(await sample(sut, 'trackeep_sse_clients')).toBe(3);
  });

  it('keeps every instance separate (several apps share a test process)', async () => {
    const other = new MetricsService();
    sut.itemsSynced('commits', 5);
    expect(await sample(other, 'trackeep_sync_items_total{kind="commits"}')).toBeUndefined();
  });
});

describe('MetricsService.instrumentOctokit', () => {
  type After = Parameters<import('./metrics.service').InstrumentableOctokit['hook']['after']>[1];
  type OnError = Parameters<import('./metrics.service').InstrumentableOctokit['hook']['error']>[1];

  function fakeOctokit() {
    const hooks: { after?: After; error?: OnError } = {};
    return {
      hooks,
      octokit: {
        hook: {
          after: (_: 'request', fn: After) => (hooks.after = fn),
          error: (_: 'request', fn: OnError) => (hooks.error = fn),
        },
      },
    };
  }

  it('counts REST requests, points and the rate limit from response headers; 304s are free', async () => {
    const sut = new MetricsService();
    const { hooks, octokit } = fakeOctokit();
    sut.instrumentOctokit(octokit);
    hooks.after?.(
      { status: 200, headers: { 'x-ratelimit-remaining': '4990', 'x-ratelimit-resource': 'core' } },
      { url: '/repos/o/r/commits' },
    );
    expect(() =>
      hooks.error?.(
        Object.assign(new Error('Not modified'), {
          status: 304,
          response: { headers: { 'x-ratelimit-remaining': '4990' } },
        }),
        {
          url: '/repos/o/r',
        },
      ),
    ).toThrow('Not modified');
    expect(await sample(sut, 'trackeep_github_requests_total{api="rest",status="200"}')).toBe(1);
    expect(await sample(sut, 'trackeep_github_requests_total{api="rest",status="304"}')).toBe(1);
    expect(await sample(sut, 'trackeep_github_points_total{api="rest"}')).toBe(1);
    expect(await sample(sut, 'trackeep_github_rate_limit_remaining{resource="core"}')).toBe(4990);
  });

  it('takes GraphQL points from the query cost and records network failures as errors', async () => {
    const sut = new MetricsService();
    const { hooks, octokit } = fakeOctokit();
    sut.instrumentOctokit(octokit);
    hooks.after?.(
      {
        status: 200,
        headers: { 'x-ratelimit-remaining': '4000', 'x-ratelimit-resource': 'graphql' },
        data: { data: { rateLimit: { cost: 3 } } },
      },
      { url: 'https://api.github.com/graphql' },
    );
    expect(() =>
      hooks.error?.(new Error('socket hang up'), { url: 'https://api.github.com/graphql' }),
    ).toThrow('socket hang up');
    expect(await sample(sut, 'trackeep_github_points_total{api="graphql"}')).toBe(4);
    expect(await sample(sut, 'trackeep_github_requests_total{api="graphql",status="error"}')).toBe(1);
    expect(await sample(sut, 'trackeep_github_rate_limit_remaining{resource="graphql"}')).toBe(4000);
  });
});

describe('MetricsService.instrumentOctokit with a real Octokit', () => {
  it('records what the client sends through its own hooks', async () => {
    const { Octokit } = await import('@octokit/core');
    const fetch = async (url: string) =>
      new Response(url.endsWith('/missing') ? '{"message":"Not Found"}' : '{"login":"octocat"}', {
        status: url.endsWith('/missing') ? 404 : 200,
        headers: {
          'content-type': 'application/json',
          'x-ratelimit-remaining': '4321',
          'x-ratelimit-resource': 'core',
        },
      });
    const octokit = new Octokit({ request: { fetch } });
    const sut = new MetricsService();
    sut.instrumentOctokit(octokit);
    await octokit.request('GET /user');
    await expect(
      octokit.request('GET /repos/{owner}/{repo}/missing', { owner: 'o', repo: 'r' }),
    ).rejects.toMatchObject({ status: 404 });
    expect(await sample(sut, 'trackeep_github_requests_total{api="rest",status="200"}')).toBe(1);
    expect(await sample(sut, 'trackeep_github_requests_total{api="rest",status="404"}')).toBe(1);
    expect(await sample(sut, 'trackeep_github_rate_limit_remaining{resource="core"}')).toBe(4321);
  });
});
