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
    const finish = sut.syncJobStarted('repo_incremental');
    expect(await sample(sut, 'trackeep_sync_jobs_started_total{kind="repo_incremental"}')).toBe(1);
    finish('succeeded');
    finish('failed'); // a second call is ignored: one job, one result
    expect(
      await sample(sut, 'trackeep_sync_jobs_finished_total{kind="repo_incremental",result="succeeded"}'),
    ).toBe(1);
    expect(
      await sample(sut, 'trackeep_sync_jobs_finished_total{kind="repo_incremental",result="failed"}'),
    ).toBeUndefined();
    expect(
      await sample(
        sut,
        'trackeep_sync_job_duration_seconds_count{kind="repo_incremental",result="succeeded"}',
      ),
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
