import express from 'express';
import helmet from 'helmet';
import request from 'supertest';
import { helmetOptions } from './security-headers';

async function cspOf(env: Parameters<typeof helmetOptions>[0]): Promise<string | undefined> {
  const app = express()
    .use(helmet(helmetOptions(env)))
    .get('/', (_req, res) => res.send('ok'));
  const res = await request(app).get('/').expect(200);
  return res.headers['content-security-policy'];
}

describe('security headers', () => {
  it('lets github.com avatars through the production CSP, and nothing else from outside', async () => {
    const csp = await cspOf({ NODE_ENV: 'production', GITHUB_WEB_URL: 'https://github.com' });
    const img = csp?.split(';').find((d) => d.startsWith('img-src'));
    expect(img).toBe("img-src 'self' data: https://avatars.githubusercontent.com https://github.com");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'self'");
  });

  it('allows the GitHub Enterprise Server host, which serves its own avatars', async () => {
    const csp = await cspOf({ NODE_ENV: 'production', GITHUB_WEB_URL: 'https://ghe.example.com/' });
    expect(csp).toContain('https://ghe.example.com');
  });

  it('sends no CSP outside production', async () => {
    expect(await cspOf({ NODE_ENV: 'development', GITHUB_WEB_URL: 'https://github.com' })).toBeUndefined();
  });
});
