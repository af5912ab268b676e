import { Injectable } from '@nestjs/common';
import { prepared, type SqlExecutor } from '@trackeep/server-core';
import type {
  OrgPolicyBlock,
  RepoSyncStatus,
  SyncRun,
  SyncRunCounts,
  SyncRunStatus,
  SyncTrigger,
} from '@trackeep/contracts';
import { Kysely, sql } from 'kysely';
import type { DB } from '../../database/db.types';
import type { SyncMeter } from '../github/sync-github.gateway';
import { isoText } from '../../common/cursor.util';
import { inRepoScope, type RepoScope } from '../../repos/repo-access.repository';

export interface SyncRunRow {
  id: string;
  repo_id: string;
  full_name: string;
  trigger: SyncTrigger;
  status: SyncRunStatus;
  cycle_slot: Date | null;
  job_id: string | null;
  attempts: number;
  queued_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  heartbeat_at: Date | null;
  paused_until: Date | null;
  progress: number | null;
  items: Partial<SyncRunCounts>;
  graphql_points: number;
  rest_requests: number;
  not_modified: number;
  points_by_stream: Record<string, number>;
  error: string | null;
  queued_cursor: string;
}

const RUN_COLUMNS =
  sql.raw(`s.id, s.repo_id, r.full_name, s.trigger, s.status, s.cycle_slot, s.job_id, s.attempts, s.queued_at, s.started_at,
  s.finished_at, s.heartbeat_at, s.paused_until, s.progress, s.items, s.graphql_points, s.rest_requests, s.not_modified, s.points_by_stream, s.error,
  to_char(s.queued_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS queued_cursor`);

const EMPTY_COUNTS: SyncRunCounts = {
  repository: 0,
  commits: 0,
  pulls: 0,
  branches: 0,
  snapshots: 0,
  activity: 0,
};

export function toSyncRun(r: SyncRunRow): SyncRun {
  return {
    id: r.id,
    repoId: r.repo_id,
    repoFullName: r.full_name,
    trigger: r.trigger,
    status: r.status,
    startedAt: new Date(r.started_at ?? r.queued_at).toISOString(),
    finishedAt: r.finished_at ? new Date(r.finished_at).toISOString() : null,
    items: { ...EMPTY_COUNTS, ...r.items },
    graphqlPoints: r.graphql_points,
    restRequests: r.rest_requests,
    notModified: r.not_modified,
    error: r.error,
  };
}

/*
 * A repository's sync state for the statements below (the repository is `r`): the kept row (repo_sync_state),
 * except for a repository whose runs changed since the last fold or that has no row yet, which is read from its
 * newest runs. Readers never fold: they never wait on the folder's lock nor write, and still see every committed
 * change (a fold removes a repository from the queue in the transaction that writes its row).
 */
const STATE_OF_R = sql.raw(`
  LEFT JOIN repo_sync_state s ON s.repo_id = r.id
  LEFT JOIN (SELECT DISTINCT repo_id FROM sync_state_changes) q ON q.repo_id = r.id
  CROSS JOIN LATERAL (SELECT s.repo_id IS NULL OR q.repo_id IS NOT NULL AS live) g
  LEFT JOIN LATERAL (SELECT l.status FROM sync_runs l WHERE g.live AND l.repo_id = r.id
                      ORDER BY l.queued_at DESC, l.id DESC LIMIT 1) latest ON true
  LEFT JOIN LATERAL (SELECT x.finished_at, x.queued_at FROM sync_runs x
                      WHERE g.live AND x.repo_id = r.id AND x.status = 'succeeded'
                      ORDER BY x.queued_at DESC, x.id DESC LIMIT 1) ok ON true
  LEFT JOIN LATERAL (SELECT e.error FROM sync_runs e
                      WHERE g.live AND e.repo_id = r.id AND e.status IN ('failed', 'partial')
                        AND e.queued_at > COALESCE(ok.queued_at, '-infinity')
                      ORDER BY e.queued_at DESC, e.id DESC LIMIT 1) err ON true
  LEFT JOIN LATERAL (SELECT c.status, c.progress, c.paused_until FROM sync_runs c
                      WHERE g.live AND c.repo_id = r.id AND c.status IN ('queued', 'running')
                      ORDER BY (c.status = 'running') DESC, c.queued_at DESC LIMIT 1) cur ON true`);

const LIVE = {
  latest_status: 'latest.status',
  last_success_at: 'ok.finished_at',
  last_error: 'err.error',
  current_status: 'cur.status',
  progress: 'cur.progress',
  paused_until: 'cur.paused_until',
} as const;

/** One column of the state, from the kept row or the runs (see STATE_OF_R). */
function state(column: keyof typeof LIVE): string {
  return `(CASE WHEN g.live THEN ${LIVE[column]} ELSE s.${column} END)`;
}

/** The sync_runs table: one row per run, updated as the run goes (heartbeat, progress, spend). */
@Injectable()
export class SyncRunsRepository {
  private stateSeeded = false;

  constructor(private readonly db: Kysely<DB>) {}

  async get(runId: string, db: SqlExecutor<DB> = this.db): Promise<SyncRunRow | null> {
    const { rows } = await sql<SyncRunRow>`
      SELECT ${RUN_COLUMNS} FROM sync_runs s JOIN repositories r ON r.id = s.repo_id WHERE s.id = ${runId}`.execute(
      db,
    );
    return rows[0] ?? null;
  }

  /** The run already waiting for this repository, if any. */
  async queuedFor(repoId: string, db: SqlExecutor<DB> = this.db): Promise<SyncRunRow | null> {
    const { rows } = await sql<SyncRunRow>`
      SELECT ${RUN_COLUMNS} FROM sync_runs s JOIN repositories r ON r.id = s.repo_id
       WHERE s.repo_id = ${repoId} AND s.status IN ('queued', 'running') ORDER BY s.queued_at DESC LIMIT 1`.execute(
      db,
    );
    return rows[0] ?? null;
  }

  async insertQueued(
    db: SqlExecutor<DB>,
    r: { repoId: string; trigger: SyncTrigger; cycleSlot: Date | null; requestedBy: string | null },
  ): Promise<string | null> {
    const { rows } = await sql<{ id: string }>`
      INSERT INTO sync_runs (repo_id, trigger, status, cycle_slot, requested_by)
      VALUES (${r.repoId}, ${r.trigger}, 'queued', ${r.cycleSlot}, ${r.requestedBy})
      ON CONFLICT (cycle_slot, repo_id) WHERE cycle_slot IS NOT NULL DO NOTHING RETURNING id`.execute(db);
    return rows[0]?.id ?? null;
  }

  async setJob(db: SqlExecutor<DB>, runId: string, jobId: string): Promise<void> {
    await db.updateTable('sync_runs').set({ job_id: jobId }).where('id', '=', runId).execute();
  }

  async markRunning(
    runId: string,
    jobId: string,
    worker: string,
    credentialUserId: string | null,
    db: SqlExecutor<DB> = this.db,
  ): Promise<void> {
    await db
      .updateTable('sync_runs')
      .set((eb) => ({
        status: 'running',
        job_id: jobId,
        worker,
        credential_user_id: credentialUserId,
        attempts: eb('attempts', '+', 1),
        started_at: sql<Date>`COALESCE(started_at, now())`,
        heartbeat_at: sql<Date>`now()`,
      }))
      .where('id', '=', runId)
      .execute();
  }

  async setCredential(runId: string, userId: string): Promise<void> {
    await this.db
      .updateTable('sync_runs')
      .set({ credential_user_id: userId })
      .where('id', '=', runId)
      .execute();
  }

  /** Heartbeat, progress and running totals; called inside each page's transaction. */
  async recordPage(
    db: SqlExecutor<DB>,
    runId: string,
    progress: number | null,
    items: SyncRunCounts,
    meter: SyncMeter,
    base: RunTotals,
  ): Promise<void> {
    // Sent on every page, so prepared once per connection rather than built and parsed each time.
    await prepared(sql`
      UPDATE sync_runs
         SET heartbeat_at = now(), progress = ${progress},
             items = ${JSON.stringify(addCounts(base.items, items))}::jsonb,
             graphql_points = ${base.graphqlPoints + meter.graphqlPoints}::int,
             rest_requests = ${base.restRequests + meter.restRequests}::int,
             not_modified = ${base.notModified + meter.notModified}::int,
             points_by_stream = ${JSON.stringify(addPoints(base.pointsByStream, meter.pointsByStream))}::jsonb,
             paused_until = NULL, error = NULL
       WHERE id = ${runId}::uuid`).execute(db);
  }

  /** The run is alive: its worker still holds the repository (sent on the lock's own connection). */
  async heartbeat(db: SqlExecutor<DB>, runId: string): Promise<void> {
    await prepared(sql`
      UPDATE sync_runs SET heartbeat_at = now()
       WHERE id = ${runId}::uuid AND status = 'running'`).execute(db);
  }

  async finish(
    runId: string,
    status: SyncRunStatus,
    error: string | null,
    totals?: { items: SyncRunCounts; meter: SyncMeter; base: RunTotals },
    db: SqlExecutor<DB> = this.db,
  ): Promise<void> {
    const done = status === 'succeeded' || status === 'failed' || status === 'partial';
    await db
      .updateTable('sync_runs')
      .set({
        status,
        error,
        finished_at: done ? sql<Date>`now()` : null,
        progress: status === 'succeeded' ? 100 : sql<number | null>`progress`,
        ...(status === 'queued' ? {} : { paused_until: null }),
        ...(totals
          ? {
              items: JSON.stringify(addCounts(totals.base.items, totals.items)),
              graphql_points: totals.base.graphqlPoints + totals.meter.graphqlPoints,
              rest_requests: totals.base.restRequests + totals.meter.restRequests,
              not_modified: totals.base.notModified + totals.meter.notModified,
              points_by_stream: JSON.stringify(
                addPoints(totals.base.pointsByStream, totals.meter.pointsByStream),
              ),
            }
          : {}),
      })
      .where('id', '=', runId)
      .execute();
  }

  async pause(runId: string, until: Date, error: string, db: SqlExecutor<DB> = this.db): Promise<void> {
    await db
      .updateTable('sync_runs')
      .set({ status: 'queued', paused_until: until, error })
      .where('id', '=', runId)
      .execute();
  }

  /** Runs whose worker stopped sending heartbeats. */
  async staleRunning(staleAfterSeconds: number): Promise<SyncRunRow[]> {
    const { rows } = await sql<SyncRunRow>`
      SELECT ${RUN_COLUMNS} FROM sync_runs s JOIN repositories r ON r.id = s.repo_id
       WHERE s.status = 'running' AND s.heartbeat_at < now() - make_interval(secs => ${staleAfterSeconds})`.execute(
      this.db,
    );
    return rows;
  }

  /** Queued runs whose job no longer exists in any waiting state (lost between replicas or cancelled). */
  async orphanedQueued(olderThanSeconds: number, jobSchema: string): Promise<SyncRunRow[]> {
    const { rows } = await sql<SyncRunRow>`
      SELECT ${RUN_COLUMNS} FROM sync_runs s JOIN repositories r ON r.id = s.repo_id
       WHERE s.status = 'queued' AND s.queued_at < now() - make_interval(secs => ${olderThanSeconds})
         AND (s.paused_until IS NULL OR s.paused_until < now() - make_interval(secs => ${olderThanSeconds}))
         AND NOT EXISTS (SELECT 1 FROM ${sql.table(`${jobSchema}.job`)} j
                          WHERE j.id = s.job_id AND j.state IN ('created', 'retry', 'active'))`.execute(
      this.db,
    );
    return rows;
  }

  async deleteOld(retentionDays: number): Promise<number> {
    const { rows } = await sql<{ id: string }>`
      DELETE FROM sync_runs s WHERE s.queued_at < now() - make_interval(days => ${retentionDays})
         AND s.status NOT IN ('queued', 'running')
         AND s.id <> (SELECT id FROM sync_runs l WHERE l.repo_id = s.repo_id ORDER BY l.queued_at DESC LIMIT 1)
       RETURNING s.id`.execute(this.db);
    return rows.length;
  }

  /** Newest first, keyset on (queued_at, id), only among the scope's repositories. */
  async list(
    scope: RepoScope,
    limit: number,
    after: { time: string; id: string } | null,
  ): Promise<SyncRunRow[]> {
    const keyset = after
      ? sql`AND (s.queued_at, s.id) < (${after.time}::timestamptz, ${after.id}::uuid)`
      : sql``;
    const { rows } = await sql<SyncRunRow>`
      SELECT ${RUN_COLUMNS} FROM sync_runs s JOIN repositories r ON r.id = s.repo_id
       WHERE ${inRepoScope('s.repo_id', scope)} ${keyset}
       ORDER BY s.queued_at DESC, s.id DESC LIMIT ${limit}`.execute(this.db);
    return rows;
  }

  /**
   * One page of the repositories the user tracks, by name (keyset on full name and id): last success, the run in
   * progress (or waiting), the last error. Those GitHub no longer lets them read come as `lost`.
   */
  async statusPage(
    userId: string,
    limit: number,
    after: { name: string; id: string } | null,
  ): Promise<
    Array<
      Omit<RepoSyncStatus, 'nextScheduledAt' | 'pausedUntil'> & {
        pausedUntil: Date | null;
        queued: boolean;
        githubState: string;
        lost: boolean;
      }
    >
  > {
    const keyset = after ? sql`AND (r.full_name, r.id) > (${after.name}, ${after.id}::uuid)` : sql``;
    const { rows } = await prepared(sql<{
      id: string;
      full_name: string;
      github_state: string;
      github_block: OrgPolicyBlock | null;
      lost: boolean;
      last_success_at: string | null;
      current_status: SyncRunStatus | null;
      progress: number | null;
      paused_until: Date | null;
      last_error: string | null;
    }>`
      SELECT r.id, r.full_name, r.github_state, r.github_block, r.lost,
             ${isoText(state('last_success_at'))} AS last_success_at,
             ${sql.raw(state('current_status'))} AS current_status, ${sql.raw(state('progress'))} AS progress,
             CASE WHEN ${sql.raw(state('paused_until'))} > now() THEN ${sql.raw(state('paused_until'))} END AS paused_until,
             ${sql.raw(state('last_error'))} AS last_error
        FROM (SELECT r.id, r.full_name, r.github_state, r.github_block, ra.repo_id IS NULL AS lost
                FROM tracked_repos t JOIN repositories r ON r.id = t.repo_id
                LEFT JOIN repo_access ra ON ra.user_id = t.user_id AND ra.repo_id = t.repo_id
               WHERE t.user_id = ${userId}::uuid ${keyset}
               ORDER BY r.full_name, r.id LIMIT ${limit}) r
        ${STATE_OF_R}
       ORDER BY r.full_name, r.id`).execute(this.db);
    return rows.map((r) => ({
      repoId: r.id,
      repoFullName: r.full_name,
      lastSuccessAt: r.last_success_at,
      running: r.current_status === 'running',
      progress: r.current_status === 'running' ? (r.progress ?? 0) : null,
      lastError: r.last_error ?? stateMessage(r.github_state, r.github_block),
      pausedUntil: r.paused_until,
      block: r.github_block ?? null,
      queued: r.current_status === 'queued',
      githubState: r.github_state,
      lost: r.lost,
    }));
  }

  /** How many repositories the user tracks, and how many of those they may read are syncing now. */
  async statusTotals(userId: string): Promise<{ tracked: number; running: number }> {
    const { rows } = await prepared(sql<{ tracked: number; running: number }>`
      SELECT count(*)::int AS tracked,
             count(c.repo_id) FILTER (WHERE ra.repo_id IS NOT NULL)::int AS running
        FROM tracked_repos t
        LEFT JOIN repo_access ra ON ra.user_id = t.user_id AND ra.repo_id = t.repo_id
        -- From the open runs' partial index, not each repository's history.
        LEFT JOIN (SELECT DISTINCT repo_id FROM sync_runs WHERE status = 'running') c ON c.repo_id = t.repo_id
       WHERE t.user_id = ${userId}::uuid`).execute(this.db);
    return rows[0] ?? { tracked: 0, running: 0 };
  }

  /**
   * lastSyncAt / lastSyncStatus for the repo list (RepoStatusRegistry): per repository its newest run's status
   * and its newest success.
   */
  async summaries(
    repoIds: string[],
  ): Promise<Map<string, { lastSyncAt: Date | null; lastSyncStatus: SyncRunStatus | null }>> {
    if (!repoIds.length) return new Map();
    const { rows } = await prepared(sql<{
      repo_id: string;
      status: SyncRunStatus | null;
      last_success_at: Date | null;
    }>`
      SELECT r.id AS repo_id, ${sql.raw(state('latest_status'))} AS status,
             ${sql.raw(state('last_success_at'))} AS last_success_at
        FROM repositories r ${STATE_OF_R}
       WHERE r.id = ANY(${repoIds}::uuid[])`).execute(this.db);
    return new Map(
      rows.flatMap((r) =>
        r.status ? [[r.repo_id, { lastSyncAt: r.last_success_at, lastSyncStatus: r.status }] as const] : [],
      ),
    );
  }

  /**
   * Brings the kept sync state up to the runs committed so far (any replica; one at a time), so readers find
   * few repositories to read from their runs. The first fold of a process also queues repositories that have
   * runs but no state yet (an upgraded instance).
   */
  async foldState(): Promise<void> {
    if (!this.stateSeeded) {
      await sql`
        INSERT INTO sync_state_changes (repo_id)
        SELECT r.id FROM repositories r
         WHERE NOT EXISTS (SELECT 1 FROM repo_sync_state s WHERE s.repo_id = r.id)
           AND EXISTS (SELECT 1 FROM sync_runs x WHERE x.repo_id = r.id)`.execute(this.db);
      this.stateSeeded = true;
    }
    await prepared(sql`SELECT sync_state_fold()`).execute(this.db);
  }
}

export interface RunTotals {
  items: SyncRunCounts;
  graphqlPoints: number;
  restRequests: number;
  notModified: number;
  pointsByStream: Record<string, number>;
}

export function totalsOf(r: SyncRunRow): RunTotals {
  return {
    items: { ...EMPTY_COUNTS, ...r.items },
    graphqlPoints: r.graphql_points,
    restRequests: r.rest_requests,
    notModified: r.not_modified,
    pointsByStream: { ...r.points_by_stream },
  };
}

function addPoints(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = Math.round(((out[k] ?? 0) + v) * 1000) / 1000;
  return out;
}

function addCounts(a: SyncRunCounts, b: SyncRunCounts): SyncRunCounts {
  return {
    repository: a.repository + b.repository,
    commits: a.commits + b.commits,
    pulls: a.pulls + b.pulls,
    branches: a.branches + b.branches,
    snapshots: a.snapshots + b.snapshots,
    activity: a.activity + b.activity,
  };
}

export { EMPTY_COUNTS };

/** What the repository's GitHub state means for sync, when no failed run says more. */
function stateMessage(state: string, block: OrgPolicyBlock | null): string | null {
  if (state === 'ok' || state === 'renamed' || state === 'transferred') return null;
  if (block?.kind === 'sso')
    return `GitHub needs SAML SSO authorization for ${block.org} before Trackeep can sync this repository`;
  if (block?.kind === 'oauth_app_policy')
    return `${block.org}'s OAuth App access policy blocks Trackeep; an organization owner must approve it`;
  return `repository ${state.replace('_', ' ')} on GitHub`;
}
