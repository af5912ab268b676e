import request from 'supertest';
import { Client } from 'pg';
import { createTestApp, type TestApp } from './support/test-app';

describe('health endpoints', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('GET /healthz answers while the process lives', async () => {
    const res = await request(t.app.getHttpServer()).get('/healthz').expect(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('GET /readyz is ready with the database reachable and all migrations applied', async () => {
    const res = await request(t.app.getHttpServer()).get('/readyz').expect(200);
    expect(res.body.status).toBe('ok');
    expect(res.body.info).toMatchObject({
      database: { status: 'up' },
      migrations: { status: 'up' },
      jobQueue: { status: 'up' },
    });
  });

  it('GET /readyz answers 503 when a migration is missing', async () => {
    const client = new Client({ connectionString: t.db.url });
    await client.connect();
    const { rows } = await client.query('SELECT name FROM migrations ORDER BY id DESC LIMIT 1');
    await client.query('DELETE FROM migrations WHERE name = $1', [rows[0].name]);
    try {
      const res = await request(t.app.getHttpServer()).get('/readyz').expect(503);
      expect(res.body.error).toMatchObject({ migrations: { status: 'down', message: 'pending migrations' } });
    } finally {
      await client.query('INSERT INTO migrations (timestamp, name) VALUES ($1, $2)', [
        Number(rows[0].name.match(/\d+$/)[0]),
        rows[0].name,
      ]);
      await client.end();
    }
  });
});
