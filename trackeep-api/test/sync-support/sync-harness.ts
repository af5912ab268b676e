import { Logger } from '@nestjs/common';
import {
  startGithubSim,
  type FaultConfig,
  type GithubSimHandle,
  type GithubSimOptions,
} from '@trackeep/github-sim';
import { createSql, inTransaction } from '@trackeep/server-core';
import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@trackeep/testing';
import { DataSource } from 'typeorm';
import { apiDataSourceOptions } from '../../src/database/data-source';
import type { DB } from '../../src/database/db.types';
import { GithubEtagCache } from '../../src/github/github-etag-cache.service';
import { GithubEtagRepository } from '../../src/github/github-etag.repository';
import { createGithubOctokit } from '../../src/github/github-octokit';
import { GithubRateLimitRepository } from '../../src/github/github-rate-limit.repository';
import { GithubRateLimitService } from '../../src/github/github-rate-limit.service';
import { GithubSettings } from '../../src/github/github-settings';
import { MetricsService } from '../../src/metrics/metrics.service';
import {
  CredentialLimitsRegistry,
  DEFAULT_LIMIT_SETTINGS,
  type LimitSettings,
} from '../../src/sync/github/credential-limits';
import { PageSizeGovernor } from '../../src/sync/github/page-size.governor';
import { SyncGithubGateway, SyncMeter, type OctokitLike } from '../../src/sync/github/sync-github.gateway';
import {
  RepoSyncEngine,
  type DetectionHint,
  type EngineOutcome,
  type RunProgress,
  type SyncDb,
} from '../../src/sync/engine/repo-sync.engine';
import type { ApplyContext, Json } from '../../src/webhooks/processors/apply-context';
import { REPO_APPLIERS } from '../../src/webhooks/processors/event-appliers';
import { API_TEMPLATE_DB } from './../support/test-app';

// Without an app (whose logger honours LOG_LEVEL), Nest's default logger would print every request's debug line.
Logger.overrideLogger(['warn', 'error']);

export interface RepoSeed {
  id: string;
  fullName: string;
}

/** A migrated database of its own, a user row whose token the simulator issued, and its repositories. */
export interface SyncDbFixture {
  db: TestDatabase;
  ds: DataSource;
  userId: string;
  repos: RepoSeed[];
  close(): Promise<void>;
}

export async function startSim(opts: GithubSimOptions = {}): Promise<GithubSimHandle> {
  return startGithubSim({ preset: 'small', seed: 7, now: '2025-06-01T12:00:00Z', ...opts });
}

/** The repositories `login` owns in the simulated world, as the API's track endpoint would insert them. */
export async function createSyncDb(
  sim: GithubSimHandle,
  login = 'octocat',
  limit = Infinity,
): Promise<SyncDbFixture> {
  const db = await createTestDatabase(API_TEMPLATE_DB);
  const ds = await new DataSource(apiDataSourceOptions(db.url, 6)).initialize();
  const simUser = sim.world.requireUser(login);
  const [user] = (await ds.query(
    `INSERT INTO users (github_host, github_id, login) VALUES ('github.com', $1, $2) RETURNING id`,
    [simUser.id, login],
  )) as Array<{ id: string }>;
  const userId = must(user, 'the user row').id;
  const repos: RepoSeed[] = [];
  const owned = [...sim.world.repos.values()]
    .filter((r) => r.ownerId === simUser.id && !r.deleted)
    .slice(0, limit);
  for (const r of owned) {
    const fullName = sim.world.fullName(r);
    const res = await fetch(`${sim.apiUrl}/repos/${fullName}`, {
      headers: { authorization: `token ${sim.issueToken(login)}` },
    });
    const body = (await res.json()) as {
      id: number;
      node_id: string;
      owner: { login: string };
      name: string;
      html_url: string;
      default_branch: string;
    };
    const [row] = (await ds.query(
      `INSERT INTO repositories (github_host, github_id, node_id, owner, name, full_name, html_url, default_branch)
       VALUES ('github.com', $1, $2, $3, $4, $5, $6, $7) RETURNING id`,
      [body.id, body.node_id, body.owner.login, body.name, fullName, body.html_url, body.default_branch],
    )) as Array<{ id: string }>;
    const id = must(row, 'the repository row').id;
    await ds.query(`INSERT INTO tracked_repos (user_id, repo_id) VALUES ($1, $2)`, [userId, id]);
    await ds.query(`INSERT INTO repo_access (user_id, repo_id, permission) VALUES ($1, $2, 'admin')`, [
      userId,
      id,
    ]);
    repos.push({ id, fullName });
  }
  return {
    db,
    ds,
    userId,
    repos,
    async close() {
      await ds.destroy();
      await db.drop();
    },
  };
}

/** The engine's database (Kysely) on `ds`'s pool. */
export function syncDb(ds: DataSource): SyncDb {
  return createSql<DB>(ds);
}

const GITHUB_COM = new GithubSettings({
  GITHUB_WEB_URL: 'https://github.com',
  GITHUB_API_URL: 'https://api.github.com',
  GITHUB_GRAPHQL_URL: undefined,
});

/** GitHub's adapter stores (one ETag cache, one rate-limit store) over `ds`, as the app wires them. */
export function githubStores(ds: DataSource, metrics = new MetricsService()) {
  const sql = createSql<DB>(ds);
  return {
    metrics,
    etags: new GithubEtagCache(new GithubEtagRepository(sql)),
    rateLimits: new GithubRateLimitService(new GithubRateLimitRepository(sql), metrics, GITHUB_COM),
  };
}

/** The sync's client for `login`'s simulator token, built by the adapter as the app builds it (paced). */
export function syncClient(
  sim: GithubSimHandle,
  userId: string,
  opts: { login?: string; maxConcurrent?: number; stores?: ReturnType<typeof githubStores> } = {},
): OctokitLike {
  return createGithubOctokit({
    credential: { kind: 'user', userId, token: sim.issueToken(opts.login ?? 'octocat') },
    baseUrl: sim.apiUrl,
    timeoutMs: 30_000,
    mode: 'paced',
    maxConcurrent: opts.maxConcurrent ?? 4,
    metrics: opts.stores?.metrics,
    rateLimits: opts.stores?.rateLimits,
  });
}

export interface EngineRunner {
  meter: SyncMeter;
  gateway: SyncGithubGateway;
  client: OctokitLike;
  governor: PageSizeGovernor;
  run(repoId: string, hint?: DetectionHint | null): Promise<EngineOutcome>;
  pages: RunProgress[];
}

/** Runs the engine the way the repo job does, with an Octokit built for sync and a fresh meter. */
export function engineRunner(
  sim: GithubSimHandle,
  fx: SyncDbFixture,
  opts: {
    login?: string;
    settings?: Partial<LimitSettings>;
    registry?: CredentialLimitsRegistry;
    governor?: PageSizeGovernor;
    sleep?: (ms: number) => Promise<void>;
    historyDays?: number;
    /** Wraps the client the gateway uses (to act between the engine's requests). */
    wrapClient?: (client: OctokitLike) => OctokitLike;
  } = {},
): EngineRunner {
  const stores = githubStores(fx.ds);
  const registry =
    opts.registry ??
    new CredentialLimitsRegistry(stores.rateLimits, { ...DEFAULT_LIMIT_SETTINGS, ...opts.settings });
  const built = syncClient(sim, fx.userId, {
    login: opts.login,
    maxConcurrent: registry.settings.maxConcurrent,
    stores,
  });
  const client = opts.wrapClient?.(built) ?? built;
  const meter = new SyncMeter();
  const governor = opts.governor ?? new PageSizeGovernor();
  const pages: RunProgress[] = [];
  const gateway = new SyncGithubGateway({
    client,
    credential: fx.userId,
    graphqlUrl: sim.graphqlUrl,
    etags: stores.etags,
    limits: registry.for(fx.userId),
    meter,
    sleep: opts.sleep,
  });
  return {
    meter,
    gateway,
    client,
    governor,
    pages,
    run: (repoId, hint = null) =>
      new RepoSyncEngine({
        db: syncDb(fx.ds),
        gateway,
        governor,
        sleep: opts.sleep,
        historyDays: opts.historyDays,
        hooks: {
          onPage: async (_tx, p) => {
            pages.push(p);
          },
        },
      }).run(repoId, hint),
  };
}

/** Everything the sync wrote, keyed by GitHub identity (not our uuids), for comparing two databases. */
export async function dumpSyncedData(ds: DataSource): Promise<Record<string, unknown[]>> {
  const q = (sql: string) => ds.query(sql) as Promise<unknown[]>;
  return {
    repositories: await q(
      `SELECT github_id::text, node_id, owner, name, full_name, description, language, languages, topics, visibility, default_branch,
              archived, stars, forks, watchers, open_issues, size_kb, pushed_at, github_updated_at, html_url, github_state
       FROM repositories ORDER BY github_id`,
    ),
    commits: await q(
      `SELECT r.full_name, c.sha, c.message, c.author_name, c.author_email, c.author_login, c.authored_at, c.committer_name, c.committer_email,
              c.committer_login, c.committed_at, c.additions, c.deletions, c.changed_files, c.parents, c.html_url
       FROM commits c JOIN repositories r ON r.id = c.repo_id ORDER BY r.full_name, c.sha`,
    ),
    branchCommits: await q(
      `SELECT r.full_name, b.branch, b.sha FROM branch_commits b JOIN repositories r ON r.id = b.repo_id ORDER BY 1, 2, 3`,
    ),
    branches: await q(
      `SELECT r.full_name, b.name, b.head_sha, b.protected, b.last_commit_at FROM branches b JOIN repositories r ON r.id = b.repo_id ORDER BY 1, 2`,
    ),
    pulls: await q(
      `SELECT r.full_name, p.number, p.node_id, p.title, p.state, p.draft, p.author_login, p.created_at, p.updated_at, p.closed_at, p.merged_at,
              p.base_ref, p.head_ref, p.additions, p.deletions, p.changed_files, p.commits_count, p.review_count, p.first_review_at, p.labels, p.html_url
       FROM pull_requests p JOIN repositories r ON r.id = p.repo_id ORDER BY 1, 2`,
    ),
    activity: await q(
      `SELECT r.full_name, a.type, a.actor, a.title, a.url, a.occurred_at, a.data, a.dedupe_key
       FROM activity_events a JOIN repositories r ON r.id = a.repo_id ORDER BY 1, a.dedupe_key`,
    ),
    snapshots: await q(
      `SELECT r.full_name, s.stars, s.forks, s.watchers, s.open_issues FROM repo_stats_snapshots s JOIN repositories r ON r.id = s.repo_id ORDER BY 1, s.id`,
    ),
  };
}

export function sizes(d: Record<string, unknown[]>): Record<string, number> {
  return Object.fromEntries(Object.entries(d).map(([k, v]) => [k, v.length]));
}

/** The value, or a test failure naming what was missing (instead of a non-null assertion). */
export function must<T>(value: T | null | undefined, what = 'value'): T {
  if (value === null || value === undefined) throw new Error(`expected ${what}`);
  return value;
}

/** The first row a query returns, or a test failure naming the row that was expected. */
export async function firstRow<T>(rows: Promise<T[]>, what: string): Promise<T> {
  return must((await rows)[0], what);
}

export type { FaultConfig, GithubSimHandle };

/**
 * Applies webhook deliveries the simulator recorded (GitHub keeps every delivery with its payload) to `repo`
 * in `fx`'s database, each in its own transaction, through the processor's applier table; each must be
 * processed.
 */
export async function applyRecordedDeliveries(
  fx: SyncDbFixture,
  repo: RepoSeed,
  deliveries: ReadonlyArray<{ event: string; action: string | null; hookId: number; payload: unknown }>,
): Promise<void> {
  const db = syncDb(fx.ds);
  for (const d of deliveries) {
    await inTransaction(db, async (tx) => {
      const payload = d.payload as Json;
      const ctx: ApplyContext = {
        tx,
        delivery: {
          delivery_id: randomUUID(),
          event: d.event,
          action: d.action,
          hook_id: String(d.hookId),
          repo_id: repo.id,
          repo_github_id: null,
          signed_with: 'hook',
          payload,
          received_at: new Date(),
          status: 'processing',
        },
        payload,
        repo: { id: repo.id, fullName: repo.fullName },
        activity: async () => true,
      };
      const outcome = await must(REPO_APPLIERS[d.event], d.event)(ctx);
      if (outcome.status !== 'processed')
        throw new Error(`${d.event} ${d.action ?? ''} was not processed: ${JSON.stringify(outcome)}`);
    });
  }
}

/**
 * A hook on the simulated repository that GitHub records deliveries for (its URL answers nothing), so a test can
 * replay exactly what GitHub sent; returns how many deliveries the world had recorded before.
 */
export async function recordDeliveries(
  sim: GithubSimHandle,
  fullName: string,
  events: string[],
): Promise<number> {
  const token = sim.issueToken('octocat', ['repo', 'admin:repo_hook']);
  const res = await fetch(`${sim.apiUrl}/repos/${fullName}/hooks`, {
    method: 'POST',
    headers: { authorization: `token ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      config: { url: `http://127.0.0.1:9/${events.join('-').replace(/\*/g, 'all')}`, content_type: 'json' },
      events,
    }),
  });
  if (res.status !== 201) throw new Error(`creating the recording hook answered ${res.status}`);
  await sim.world.settled();
  return sim.world.deliveries.length;
}
