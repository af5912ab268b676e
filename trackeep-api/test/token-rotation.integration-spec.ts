import type { INestApplication } from '@nestjs/common';
import { parseEnv } from '@trackeep/server-core';
import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { Client } from 'pg';
import request from 'supertest';
import { createApp } from '../src/app/create-app';
import { ApiEnv } from '../src/config/api-env';
import { startAuthHarness, withSession, type AuthHarness } from './support/auth-harness';

const key = () => randomBytes(32).toString('base64');

describe('rotating TOKEN_ENCRYPTION_KEYS', () => {
  let h: AuthHarness;
  let db: Client;
  const k1 = key();
  const k2 = key();

  beforeAll(async () => {
    h = await startAuthHarness({ env: { TOKEN_ENCRYPTION_KEYS: `v1:${k1}` } });
    db = new Client({ connectionString: h.t.db.url });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await h.close();
  });

  /** Another API instance on the same database with different keys, as after a redeploy. */
  async function withInstance<T>(
    keys: string,
    fn: (app: INestApplication, logs: string[]) => Promise<T>,
  ): Promise<T> {
    const logs: string[] = [];
    const stream = new PassThrough();
    stream.on('data', (c: Buffer) => logs.push(...c.toString('utf8').split('\n').filter(Boolean)));
    const app = await createApp(
      parseEnv(ApiEnv, {
        ...h.env,
        NODE_ENV: 'test',
        DATABASE_URL: h.t.db.url,
        DB_POOL_SIZE: '2',
        TOKEN_ENCRYPTION_KEYS: keys,
      }),
      { logStream: stream },
    );
    await app.init();
    app.flushLogs();
    try {
      return await fn(app, logs);
    } finally {
      await app.close();
    }
  }

  const stored = async (login: string) =>
    (await db.query('SELECT github_token_enc, reauth_required FROM users WHERE login = $1', [login])).rows[0];

  it('keeps old rows readable with the old key listed, and rewrites them with the newest key on use', async () => {
    const { session } = await h.signIn('octocat');
    expect((await stored('octocat')).github_token_enc).toMatch(/^v1:/);

    await withInstance(`v1:${k1},v2:${k2}`, async (app) => {
      await request(app.getHttpServer())
        .get('/api/v1/github/repos')
        .set('Cookie', withSession(session))
        .expect(200);
    });
    expect((await stored('octocat')).github_token_enc).toMatch(/^v2:/);

    // v1 can now be retired.
    await withInstance(`v2:${k2}`, async (app) => {
      await request(app.getHttpServer())
        .get('/api/v1/github/repos')
        .set('Cookie', withSession(session))
        .expect(200);
    });
  });

  it('asks the user to sign in again (and logs which key is missing) when their row’s key was removed too early', async () => {
    const { session } = await h.signIn('hubot');
    expect((await stored('hubot')).github_token_enc).toMatch(/^v1:/);
    await withInstance(`v3:${key()}`, async (app, logs) => {
      const res = await request(app.getHttpServer())
        .get('/api/v1/github/repos')
        .set('Cookie', withSession(session))
        .expect(401);
      expect(res.body.code).toBe('github_reauth_required');
      expect(logs.some((l) => l.includes('key version \\"v1\\" is not configured'))).toBe(true);
    });
    expect((await stored('hubot')).reauth_required).toBe(true);
  });
});
