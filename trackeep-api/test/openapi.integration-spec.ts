import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { createTestApp, type TestApp } from './support/test-app';

/** A complete production-mode configuration (every required secret set). */
const PRODUCTION = {
  NODE_ENV: 'production',
  TRACKEEP_MODE: 'production',
  FRONTEND_URL: 'https://trackeep.example.com',
  GATEWAY_URL: 'https://auth.example.com',
  GATEWAY_CLIENT_ID: 'trackeep',
  GATEWAY_CLIENT_SECRET: randomBytes(32).toString('hex'),
  JWT_SECRET: randomBytes(32).toString('hex'),
  TOKEN_ENCRYPTION_KEYS: `v1:${randomBytes(32).toString('base64')}`,
  METRICS_TOKEN: randomBytes(24).toString('hex'),
  SYNC_ENABLED: 'false',
};

describe('OpenAPI document', () => {
  let t: TestApp;
  let doc: {
    paths: Record<
      string,
      Record<string, { responses: Record<string, unknown>; parameters?: Array<{ name: string; in: string }> }>
    >;
    components: { schemas: Record<string, unknown> };
  };

  beforeAll(async () => {
    t = await createTestApp();
    doc = (await request(t.app.getHttpServer()).get('/api/docs.json').expect(200)).body;
  });
  afterAll(() => t.close());

  it.each([
    ['get', '/api/v1/auth/login', ['303']],
    ['get', '/api/v1/auth/oauth/callback', ['303']],
    ['get', '/api/v1/auth/me', ['200', '401']],
    ['post', '/api/v1/auth/logout', ['204', '401', '403']],
    ['get', '/api/v1/github/repos', ['200', '400', '401']],
    ['get', '/api/v1/repos', ['200', '400']],
    ['get', '/api/v1/repos/{owner}/{repo}', ['200', '404']],
    ['post', '/api/v1/repos/{owner}/{repo}/track', ['200', '201', '404']],
    ['delete', '/api/v1/repos/{owner}/{repo}/track', ['204', '404']],
    ['get', '/api/v1/repos/{owner}/{repo}/commits', ['200', '400', '404']],
    ['get', '/api/v1/repos/{owner}/{repo}/commits/weekly', ['200', '400', '404']],
    ['get', '/api/v1/repos/{owner}/{repo}/pulls', ['200', '400', '404']],
    ['get', '/api/v1/repos/{owner}/{repo}/branches', ['200', '404']],
    ['get', '/api/v1/repos/{owner}/{repo}/stats/history', ['200', '404']],
    ['get', '/api/v1/activity', ['200', '400', '401', '404']],
  ])('documents %s %s with its answers', (method, path, statuses) => {
    const op = doc.paths[path]?.[method];
    expect(op).toBeDefined();
    for (const status of statuses) expect(Object.keys(op!.responses)).toContain(status);
  });

  it('documents query filters and the response and error schemas from the contracts', () => {
    const names = doc.paths['/api/v1/repos/{owner}/{repo}/commits']!['get']!.parameters!.map((p) => p.name);
    expect(names).toEqual(
      expect.arrayContaining(['owner', 'repo', 'branch', 'author', 'since', 'until', 'q', 'limit', 'cursor']),
    );
    for (const schema of [
      'MeDto',
      'GithubRepoDto',
      'TrackedRepoDto',
      'CommitPageDto',
      'PullRequestPageDto',
      'BranchPageDto',
      'StatsPointDto',
      'ApiErrorDto',
    ]) {
      expect(doc.components.schemas).toHaveProperty(schema);
    }
  });

  it('serves Swagger UI at /api/docs without a session', async () => {
    const res = await request(t.app.getHttpServer()).get('/api/docs').redirects(1).expect(200);
    expect(res.text).toMatch(/swagger/i);
  });
});

describe('OpenAPI document in production mode', () => {
  it('is not served without API_DOCS (no public map of the API)', async () => {
    const t = await createTestApp(PRODUCTION);
    try {
      await request(t.app.getHttpServer()).get('/api/docs').redirects(1).expect(404);
      await request(t.app.getHttpServer()).get('/api/docs.json').expect(404);
    } finally {
      await t.close();
    }
  });

  it('is served with API_DOCS=true', async () => {
    const t = await createTestApp({ ...PRODUCTION, API_DOCS: 'true' });
    try {
      await request(t.app.getHttpServer()).get('/api/docs.json').expect(200);
      expect((await request(t.app.getHttpServer()).get('/api/docs').redirects(1).expect(200)).text).toMatch(
        /swagger/i,
      );
    } finally {
      await t.close();
    }
  });
});
