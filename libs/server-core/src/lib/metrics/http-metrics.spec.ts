import { Controller, Get, Module, NotFoundException, Param, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import request from 'supertest';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import {
  answerMetricsRequest,
  createMetricsRegistry,
  httpMetricsMiddleware,
  nameRouteForMetrics,
} from './http-metrics';

@Controller('api/v1/items')
class ItemsController {
  @Get(':id')
  get(@Param('id') id: string) {
    if (id === 'missing') throw new NotFoundException();
    return { id };
  }
}

@Module({ controllers: [ItemsController] })
class ItemsModule {}

describe(httpMetricsMiddleware.name, () => {
  let app: INestApplication;
  let registry: Registry;

  beforeAll(async () => {
    registry = createMetricsRegistry('test-app');
    app = await NestFactory.create(ItemsModule, { logger: false });
    app.use(httpMetricsMiddleware(registry));
    // Middleware that answers by itself, as the webhook intake does.
    app.use('/hooks', (req: IncomingMessage, res: ServerResponse) => {
      nameRouteForMetrics(req, '/hooks/:source');
      res.statusCode = 202;
      res.end();
    });
    await app.init();
  });
  afterAll(() => app.close());

  const series = async () => {
    const metric = await registry.getSingleMetric('http_request_duration_seconds')?.get();
    return (metric?.values ?? []).filter(
      (v) => (v as { metricName?: string }).metricName === 'http_request_duration_seconds_count',
    );
  };

  it('labels requests with the route pattern and status, never the raw URL', async () => {
    await request(app.getHttpServer()).get('/api/v1/items/1').expect(200);
    await request(app.getHttpServer()).get('/api/v1/items/2').expect(200);
    await request(app.getHttpServer()).get('/api/v1/items/missing').expect(404);
    const values = await series();
    expect(values).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          labels: { method: 'GET', route: '/api/v1/items/:id', status_code: '200' },
          value: 2,
        }),
        expect.objectContaining({
          labels: { method: 'GET', route: '/api/v1/items/:id', status_code: '404' },
          value: 1,
        }),
      ]),
    );
    expect(JSON.stringify(values)).not.toContain('/items/1');
  });

  it('puts requests no route matched under one `unmatched` label', async () => {
    await request(app.getHttpServer()).get('/wp-admin/setup.php?x=1').expect(404);
    await request(app.getHttpServer()).get('/random/path/42').expect(404);
    const unmatched = (await series()).filter((v) => v.labels['route'] === 'unmatched');
    expect(unmatched).toEqual([
      expect.objectContaining({
        labels: { method: 'GET', route: 'unmatched', status_code: '404' },
        value: 2,
      }),
    ]);
  });

  it('uses the route name middleware gives to requests it answers itself', async () => {
    await request(app.getHttpServer()).post('/hooks/github-123').expect(202);
    const named = (await series()).filter((v) => v.labels['route'] === '/hooks/:source');
    expect(named).toEqual([
      expect.objectContaining({
        labels: { method: 'POST', route: '/hooks/:source', status_code: '202' },
        value: 1,
      }),
    ]);
  });

  it('exposes Node process metrics and the app label', async () => {
    const text = await registry.metrics();
    expect(text).toMatch(/^process_cpu_user_seconds_total\{app="test-app"\} /m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds\{app="test-app"\} /m);
  });
});

describe(answerMetricsRequest.name, () => {
  const registry = createMetricsRegistry('token-test');

  it('serves the metrics to anyone when no token is configured', async () => {
    const answer = await answerMetricsRequest(registry, undefined, undefined);
    expect(answer.status).toBe(200);
    expect(answer.contentType).toMatch(/^text\/plain/);
    expect(answer.body).toContain('process_cpu_user_seconds_total');
  });

  it('requires the bearer token when one is configured', async () => {
    expect((await answerMetricsRequest(registry, undefined, 's3cret')).status).toBe(401);
    expect((await answerMetricsRequest(registry, 'Bearer wrong', 's3cret')).status).toBe(401);
    expect((await answerMetricsRequest(registry, 's3cret', 's3cret')).status).toBe(401);
    const ok = await answerMetricsRequest(registry, 'Bearer s3cret', 's3cret');
    expect(ok.status).toBe(200);
    const denied = await answerMetricsRequest(registry, 'Bearer wrong', 's3cret');
    expect(JSON.parse(denied.body)).toMatchObject({ statusCode: 401, code: 'metrics_token_required' });
    expect(denied.body).not.toContain('process_cpu');
  });
});
