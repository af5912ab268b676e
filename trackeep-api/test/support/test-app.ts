import type { INestApplication } from '@nestjs/common';
import { parseEnv } from '@trackeep/server-core';
import { createTestDatabase, type TestDatabase } from '@trackeep/testing';
import { PassThrough } from 'node:stream';
import { createApp } from '../../src/app/create-app';
import { ApiEnv } from '../../src/config/api-env';

export const API_TEMPLATE_DB = 'trackeep_api_template';

export interface TestApp {
  app: INestApplication;
  db: TestDatabase;
  env: ApiEnv;
  /** Every log line the app wrote, for redaction checks. */
  logs: string[];
  close(): Promise<void>;
}

/** The real API on a fresh, migrated database of its own. `env` overrides configuration variables. */
export async function createTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const db = await createTestDatabase(API_TEMPLATE_DB);
  const config = parseEnv(ApiEnv, {
    NODE_ENV: 'test',
    DATABASE_URL: db.url,
    LOG_LEVEL: 'info',
    DB_POOL_SIZE: '4',
    ...env,
  });
  const logs: string[] = [];
  const logStream = new PassThrough();
  logStream.on('data', (chunk: Buffer) => logs.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
  const app = await createApp(config, { logStream });
  await app.init();
  // NestFactory.create buffers application logs until listen(); tests never listen, so flush them here.
  app.flushLogs();
  return {
    app,
    db,
    env: config,
    logs,
    async close() {
      await app.close();
      await db.drop();
    },
  };
}
