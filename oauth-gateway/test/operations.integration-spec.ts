import { GatewayMetricsService } from '../src/metrics/gateway-metrics.service';
import { createTestGateway, type TestGateway } from './support/test-gateway';

// The gateway's /metrics: HTTP durations by route and status, sign-in and token outcomes, optional token.

describe('gateway GET /metrics', () => {
  let t: TestGateway;

  beforeAll(async () => {
    t = await createTestGateway();
  });
  afterAll(() => t.close());

  it('records request durations by route pattern and serves Prometheus text', async () => {
    await fetch(`${t.url}/readyz`);
    await fetch(`${t.url}/.well-known/jwks.json`);
    t.app.get(GatewayMetricsService).signInEnded('completed');
    const res = await fetch(`${t.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain;.*version=0\.0\.4/);
    const text = await res.text();
    expect(text).toMatch(
      /^http_request_duration_seconds_count\{.*route="\/readyz".*status_code="200".*\} 1$/m,
    );
    expect(text).toMatch(
      /^http_request_duration_seconds_count\{.*route="\/\.well-known\/jwks\.json".*\} 1$/m,
    );
    expect(text).toMatch(/^gateway_sign_ins_total\{.*result="completed".*\} 1$/m);
    expect(text).toContain('# TYPE gateway_token_requests_total counter');
    expect(text).toMatch(/^process_resident_memory_bytes\{app="oauth-gateway"\} /m);
  });
});

describe('gateway GET /metrics with METRICS_TOKEN', () => {
  const token = 'gateway-metrics-token-0123456789';
  let t: TestGateway;

  beforeAll(async () => {
    t = await createTestGateway({ env: { METRICS_TOKEN: token } });
  });
  afterAll(() => t.close());

  it('answers 401 without the bearer token and the metrics with it', async () => {
    const denied = await fetch(`${t.url}/metrics`);
    expect(denied.status).toBe(401);
    expect(await denied.json()).toMatchObject({ code: 'metrics_token_required' });
    const ok = await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('# TYPE http_request_duration_seconds histogram');
  });
});
