import { readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  dropDatabase,
  ensureDatabase,
  makeOwnedTempDir,
  pidAlive,
  startPgCluster,
  withDatabase,
  type PgCluster,
} from '@trackeep/embedded-pg';

// One PostgreSQL per Jest run (globalSetup), one fresh database per test file (CREATE DATABASE ... TEMPLATE).
// Workers learn the server from environment variables set in globalSetup, which Jest passes on to them.

const ADMIN_URL_VAR = 'TRACKEEP_TEST_PG_ADMIN_URL';
const TEMP_PREFIX = 'trackeep-test-pg';

export type TemplatePreparer = (databaseUrl: string) => Promise<void>;

interface RunningTestPostgres {
  cluster: PgCluster | null;
  adminUrl: string;
  tempDir: string | null;
  templates: string[];
}

const globalKey = Symbol.for('trackeep.testPostgres');

/** Stops clusters left behind by earlier runs whose Jest process was killed. */
function reapOrphans(): void {
  for (const entry of readdirSync(tmpdir())) {
    const match = new RegExp(`^${TEMP_PREFIX}-(\\d+)-`).exec(entry);
    if (!match || pidAlive(Number(match[1]))) continue;
    const dir = join(tmpdir(), entry);
    try {
      // startPgCluster on the old directory stops its orphaned postmaster; then we throw it away.
      void startPgCluster({ dataDir: join(dir, 'data'), ephemeral: true })
        .then((c) => c.stop())
        .finally(() => rmSync(dir, { recursive: true, force: true }));
    } catch {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

/**
 * Jest globalSetup: starts a throwaway cluster (or uses TEST_DATABASE_URL) and builds each template database
 * with `prepare` (e.g. run all migrations), so each test file can clone one in milliseconds.
 */
export async function startTestPostgres(templates: Record<string, TemplatePreparer>): Promise<void> {
  let cluster: PgCluster | null = null;
  let tempDir: string | null = null;
  let adminUrl = process.env['TEST_DATABASE_URL'];
  if (!adminUrl) {
    reapOrphans();
    tempDir = makeOwnedTempDir(TEMP_PREFIX);
    cluster = await startPgCluster({ dataDir: join(tempDir, 'data'), ephemeral: true });
    adminUrl = cluster.adminUrl;
  }
  const state: RunningTestPostgres = { cluster, adminUrl, tempDir, templates: Object.keys(templates) };
  (globalThis as Record<symbol, unknown>)[globalKey] = state;
  process.env[ADMIN_URL_VAR] = adminUrl;
  try {
    for (const [name, prepare] of Object.entries(templates)) {
      await dropDatabase(adminUrl, name);
      await ensureDatabase(adminUrl, name);
      await prepare(withDatabase(adminUrl, name));
    }
  } catch (err) {
    await stopTestPostgres();
    throw err;
  }
}

/** Jest globalTeardown: drops what we created on a shared server, or stops and deletes our own cluster. */
export async function stopTestPostgres(): Promise<void> {
  const state = (globalThis as Record<symbol, unknown>)[globalKey] as RunningTestPostgres | undefined;
  if (!state) return;
  delete (globalThis as Record<symbol, unknown>)[globalKey];
  if (state.cluster) {
    await state.cluster.stop();
  } else {
    for (const name of state.templates) await dropDatabase(state.adminUrl, name).catch(() => undefined);
  }
  if (state.tempDir) rmSync(state.tempDir, { recursive: true, force: true });
}

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

let counter = 0;

/** A fresh database for one test file, cloned from a template built in globalSetup (or empty). */
export async function createTestDatabase(template?: string): Promise<TestDatabase> {
  const adminUrl = process.env[ADMIN_URL_VAR];
  if (!adminUrl) {
    throw new Error(`${ADMIN_URL_VAR} is not set: add startTestPostgres to this project's Jest globalSetup.`);
  }
  const name = `test_${process.pid}_${++counter}_${Math.random().toString(36).slice(2, 8)}`;
  await ensureDatabase(adminUrl, name, template);
  return {
    name,
    url: withDatabase(adminUrl, name),
    drop: () => dropDatabase(adminUrl, name),
  };
}

export function testAdminUrl(): string {
  const adminUrl = process.env[ADMIN_URL_VAR];
  if (!adminUrl)
    throw new Error(`${ADMIN_URL_VAR} is not set: add startTestPostgres to this project's Jest globalSetup.`);
  return adminUrl;
}
