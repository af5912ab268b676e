import { GracefulShutdown, installGracefulShutdown } from '@trackeep/server-core';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { MetricsService } from '../src/metrics/metrics.service';
import { createTestApp, type TestApp } from './support/test-app';

// Operations endpoints of the real API: /metrics (public or behind METRICS_TOKEN) and shutdown on SIGTERM.

/** Samples of one metric as `{ labels: 'k=v,...' (sorted), value }`. */
function series(text: string, name: string): { labels: string; value: number }[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`))
    .map((line) => {
      const [, labels, value] = /^[^{]+\{(.*)\} (\S+)$/.exec(line) ?? [];
      if (labels === undefined) throw new Error(`not a labelled ${name} sample: ${line}`);
      const pairs = [...labels.matchAll(/(\w+)="([^"]*)"/g)].map((m) => `${m[1]}=${m[2]}`).sort();
      return { labels: pairs.join(','), value: Number(value) };
    });
}

describe('GET /metrics', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('serves Prometheus text without a session when no token is configured', async () => {
    await request(t.app.getHttpServer()).get('/readyz').expect(200);
    await request(t.app.getHttpServer()).get('/api/v1/no-such-route').expect(404);
    const res = await request(t.app.getHttpServer()).get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain;.*version=0\.0\.4/);
    const counts = series(res.text, 'http_request_duration_seconds_count');
    expect(counts).toContainEqual({
      labels: 'app=trackeep-api,method=GET,route=/readyz,status_code=200',
      value: 1,
    });
    // Unknown paths are labelled by the pattern that answered them, never by the raw URL.
    expect(counts.filter((c) => c.labels.includes('status_code=404'))).toHaveLength(1);
    expect(res.text).not.toContain('no-such-route');
    for (const family of [
      'trackeep_sync_jobs_started_total',
      'trackeep_sync_job_duration_seconds',
      'trackeep_sync_items_total',
      'trackeep_github_points_total',
      'trackeep_github_rate_limit_remaining',
      'trackeep_webhook_deliveries_total',
      'trackeep_webhook_processing_lag_seconds',
      'trackeep_webhook_inbox_depth',
      'trackeep_sse_clients',
      'process_resident_memory_bytes',
    ]) {
      expect(res.text).toContain(`# TYPE ${family} `);
    }
  });

  it('shows what features record through MetricsService', async () => {
    t.app.get(MetricsService).webhookDelivery('push', 'accepted');
    const res = await request(t.app.getHttpServer()).get('/metrics').expect(200);
    expect(series(res.text, 'trackeep_webhook_deliveries_total')).toEqual([
      { labels: 'app=trackeep-api,event=push,result=accepted', value: 1 },
    ]);
  });
});

describe('GET /metrics with METRICS_TOKEN', () => {
  const token = 'metrics-token-0123456789abcdef';
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ METRICS_TOKEN: token });
  });
  afterAll(() => t.close());

  it('refuses a scrape without the bearer token', async () => {
    const res = await request(t.app.getHttpServer()).get('/metrics').expect(401);
    expect(res.body).toMatchObject({ statusCode: 401, code: 'metrics_token_required' });
    await request(t.app.getHttpServer())
      .get('/metrics')
      .set('Authorization', 'Bearer wrong-token-0123456789')
      .expect(401);
  });

  it('serves the metrics with the bearer token', async () => {
    const res = await request(t.app.getHttpServer())
      .get('/metrics')
      .set('Authorization', `Bearer ${token}`)
      .expect(200);
    expect(res.text).toContain('# TYPE http_request_duration_seconds histogram');
  });
});

describe('shutdown on SIGTERM', () => {
  it('drains, stops the job queue and the database, and exits 0 within the budget', async () => {
    const t = await createTestApp();
    await t.app.listen(0, '127.0.0.1');
    const port = (t.app.getHttpServer().address() as AddressInfo).port;
    const dataSource = t.app.get(DataSource);
    const exits: number[] = [];
    const shutdown = installGracefulShutdown(t.app, {
      timeoutMs: 20000,
      signals: [],
      exit: (code) => exits.push(code),
    });

    await request(`http://127.0.0.1:${port}`).get('/readyz').expect(200);
    const started = Date.now();
    await expect(shutdown()).resolves.toBe(0);
    expect(Date.now() - started).toBeLessThan(20000);
    expect(exits).toEqual([0]);
    expect(t.app.get(GracefulShutdown).isDraining).toBe(true);
    expect(dataSource.isInitialized).toBe(false);
    await expect(request(`http://127.0.0.1:${port}`).get('/healthz')).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
    await t.db.drop();
  });
});
