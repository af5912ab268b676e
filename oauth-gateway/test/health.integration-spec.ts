import { createTestGateway, type TestGateway } from './support/test-gateway';

describe('health endpoints', () => {
  let t: TestGateway;

  beforeAll(async () => {
    t = await createTestGateway();
  });
  afterAll(() => t.close());

  it('GET /healthz answers while the process lives', async () => {
    const res = await fetch(`${t.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('GET /readyz is ready with the database reachable and all migrations applied', async () => {
    const res = await fetch(`${t.url}/readyz`);
    expect(res.status).toBe(200);
    expect((await res.json()).info).toMatchObject({
      database: { status: 'up' },
      migrations: { status: 'up' },
    });
  });
});
