import type { INestApplication } from '@nestjs/common';
import { parseEnv } from '@trackeep/server-core';
import type { GithubSimHandle } from '@trackeep/github-sim';
import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { DataSource } from 'typeorm';
import { createApp } from '../../src/app/create-app';
import { UsersService } from '../../src/auth/users.service';
import { ApiEnv } from '../../src/config/api-env';
import { firstRow } from './sync-harness';

/** One key for every app of a test file, so replicas decrypt each other's stored tokens. */
export const TEST_TOKEN_KEYS = `v1:${randomBytes(32).toString('base64')}`;
export const TEST_JWT_SECRET = randomBytes(48).toString('base64url');
/** A schedule that never fires during a test (cycles are started by hand). */
export const NEVER = '0 0 1 1 *';

export interface SyncApp {
  app: INestApplication;
  env: ApiEnv;
  ds: DataSource;
  logs: string[];
  close(): Promise<void>;
}

/** The API exactly as main.ts builds it, on an existing database (so several replicas can share one). */
export async function startSyncApp(
  databaseUrl: string,
  sim: GithubSimHandle,
  env: Record<string, string> = {},
): Promise<SyncApp> {
  const config = parseEnv(ApiEnv, {
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'warn',
    DB_POOL_SIZE: '6',
    GITHUB_WEB_URL: sim.url,
    GITHUB_API_URL: sim.apiUrl,
    TOKEN_ENCRYPTION_KEYS: TEST_TOKEN_KEYS,
    JWT_SECRET: TEST_JWT_SECRET,
    SYNC_CRON: NEVER,
    ...env,
  });
  const logs: string[] = [];
  const logStream = new PassThrough();
  logStream.on('data', (chunk: Buffer) => logs.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
  const app = await createApp(config, { logStream });
  await app.init();
  return { app, env: config, ds: app.get(DataSource), logs, close: () => app.close() };
}

/** Environment of an API replica process on `databaseUrl` against the simulator (same keys as startSyncApp). */
export function replicaEnv(
  databaseUrl: string,
  sim: GithubSimHandle,
  env: Record<string, string> = {},
): Record<string, string> {
  return {
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    GITHUB_WEB_URL: sim.url,
    GITHUB_API_URL: sim.apiUrl,
    TOKEN_ENCRYPTION_KEYS: TEST_TOKEN_KEYS,
    JWT_SECRET: TEST_JWT_SECRET,
    SYNC_CRON: NEVER,
    LOG_LEVEL: 'warn',
    ...env,
  };
}

export interface SeededRepo {
  id: string;
  fullName: string;
}

/**
 * A user with a stored (encrypted) simulator token who tracks `fullNames`, written the way sign-in and the
 * track endpoint write them, without triggering a first sync.
 */
export async function seedTrackingUser(
  app: INestApplication,
  sim: GithubSimHandle,
  login: string,
  fullNames: string[],
): Promise<{ userId: string; repos: SeededRepo[] }> {
  const ds = app.get(DataSource);
  const simUser = sim.world.requireUser(login);
  const host = new URL(sim.url).host;
  const token = sim.issueToken(login);
  const user = await app.get(UsersService).upsertFromSignIn(
    {
      githubHost: host,
      githubId: simUser.id,
      login,
      name: simUser.name,
      email: simUser.email,
      avatarUrl: null,
    },
    token,
    ['repo'],
  );
  const repos: SeededRepo[] = [];
  for (const fullName of fullNames) {
    const res = await fetch(`${sim.apiUrl}/repos/${fullName}`, {
      headers: { authorization: `token ${token}` },
    });
    if (!res.ok) throw new Error(`${login} cannot read ${fullName}: ${res.status}`);
    const r = (await res.json()) as {
      id: number;
      node_id: string;
      owner: { login: string };
      name: string;
      html_url: string;
      default_branch: string;
      private: boolean;
    };
    const { id } = await firstRow<{ id: string }>(
      ds.query(
        `INSERT INTO repositories (github_host, github_id, node_id, owner, name, full_name, html_url, default_branch, visibility)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (github_host, github_id) DO UPDATE SET updated_at = now() RETURNING id`,
        [
          host,
          r.id,
          r.node_id,
          r.owner.login,
          r.name,
          fullName,
          r.html_url,
          r.default_branch,
          r.private ? 'private' : 'public',
        ],
      ),
      `the repository row of ${fullName}`,
    );
    await ds.query(`INSERT INTO tracked_repos (user_id, repo_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [
      user.id,
      id,
    ]);
    await ds.query(
      `INSERT INTO repo_access (user_id, repo_id, permission) VALUES ($1, $2, 'admin') ON CONFLICT DO NOTHING`,
      [user.id, id],
    );
    repos.push({ id, fullName });
  }
  return { userId: user.id, repos };
}

/** Full names of the repositories `login` owns in the simulated world. */
export function ownedRepos(sim: GithubSimHandle, login: string, limit = Infinity): string[] {
  const u = sim.world.requireUser(login);
  return [...sim.world.repos.values()]
    .filter((r) => r.ownerId === u.id && !r.deleted)
    .slice(0, limit)
    .map((r) => sim.world.fullName(r));
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false>,
  timeoutMs = 60_000,
  everyMs = 200,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > until)
      throw new Error(
        `timed out waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`,
      );
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function runsOf(
  ds: DataSource,
  repoId?: string,
): Promise<
  Array<{
    id: string;
    repo_id: string;
    status: string;
    trigger: string;
    cycle_slot: Date | null;
    error: string | null;
    graphql_points: number;
    rest_requests: number;
    not_modified: number;
    attempts: number;
    items: Record<string, number>;
    paused_until: Date | null;
  }>
> {
  return (await ds.query(
    `SELECT id, repo_id, status, trigger, cycle_slot, error, graphql_points, rest_requests, not_modified, attempts, items, paused_until
     FROM sync_runs ${repoId ? 'WHERE repo_id = $1' : ''} ORDER BY queued_at`,
    repoId ? [repoId] : [],
  )) as never;
}

/** Resolves once no run is queued or running (every run of the moment finished one way or another). */
export async function allRunsSettled(ds: DataSource, timeoutMs = 120_000): Promise<void> {
  await waitFor(
    'sync runs to finish',
    async () => {
      const { n } = await firstRow<{ n: number }>(
        ds.query(`SELECT count(*)::int AS n FROM sync_runs WHERE status IN ('queued', 'running')`),
        'the count of unsettled runs',
      );
      const { total } = await firstRow<{ total: number }>(
        ds.query(`SELECT count(*)::int AS total FROM sync_runs`),
        'the count of runs',
      );
      return total > 0 && n === 0;
    },
    timeoutMs,
  );
}
