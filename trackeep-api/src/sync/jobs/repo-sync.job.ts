import { Injectable, Logger } from '@nestjs/common';
import type { SyncRunCounts, SyncRunStatus } from '@trackeep/contracts';
import { executeRawSql, inTransaction, isDatabaseUnavailable } from '@trackeep/server-core';
import { Kysely, type Transaction } from 'kysely';
import { hostname } from 'node:os';
import type PgBoss from 'pg-boss';
import type { DB } from '../../database/db.types';
import { ownerOf } from '../../common/full-name.util';
import { MetricsService } from '../../metrics/metrics.service';
import { RepoAccessService } from '../../repos/repo-access.service';
import { RepoSyncEngine } from '../engine/repo-sync.engine';
import { SyncStore } from '../engine/sync-store.repository';
import { GithubEtagCache } from '../../github/github-etag-cache.service';
import { CredentialLimitsRegistry } from '../github/credential-limits';
import { PageSizeGovernor } from '../github/page-size.governor';
import { SyncClientProvider, type SyncCredential } from '../github/sync-client.provider';
import {
  CredentialRejectedError,
  OrgPolicyBlockedError,
  RateLimitPausedError,
  RepoUnavailableError,
  TransientGithubError,
} from '../github/sync-github.errors';
import { SyncGithubGateway, SyncMeter } from '../github/sync-github.gateway';
import { SyncEventsPublisher, type SyncRunRef } from '../runs/sync-events.publisher';
import {
  EMPTY_COUNTS,
  SyncRunsRepository,
  totalsOf,
  type RunTotals,
  type SyncRunRow,
} from '../runs/sync-runs.repository';
import { SyncSettings } from '../sync.settings';
import { waitForDatabase } from '../../jobs/database-outage';
import { RepoLock } from './repo-lock';
import { SyncQueue, type RepoJobData } from './sync-queue.service';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** 404s in a row (separate runs, same user) before that user's access to the repository is revoked. */
const NOT_FOUND_STRIKES = 2;

interface LockHolder {
  lock: RepoLock;
}

/**
 * Runs one sync-repo job: takes the repository's advisory lock, picks a credential, and drives the engine
 * until the repository is synced, the time slice is used up (the run continues in a new job), the token's
 * budget needs a pause (continues after the reset), or the repository turns out to be gone for this user
 * (their access is revoked and the next user who tracks it is tried). A lost database connection is waited
 * out and the run resumes from its cursors; anything else fails the job so pg-boss retries it with backoff.
 */
@Injectable()
export class RepoSyncJob {
  private readonly logger = new Logger(RepoSyncJob.name);
  private readonly worker = `${hostname()}:${process.pid}`;
  private readonly governor = new PageSizeGovernor();
  private readonly store = new SyncStore();
  private stopping = false;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly settings: SyncSettings,
    private readonly runs: SyncRunsRepository,
    private readonly queue: SyncQueue,
    private readonly clients: SyncClientProvider,
    private readonly access: RepoAccessService,
    private readonly events: SyncEventsPublisher,
    private readonly registry: CredentialLimitsRegistry,
    private readonly etags: GithubEtagCache,
    private readonly metrics: MetricsService,
  ) {}

  /** Shutdown: running syncs stop after their current page and hand over to a new job. */
  stop(): void {
    this.stopping = true;
  }

  async handle(job: PgBoss.JobWithMetadata<RepoJobData>): Promise<void> {
    const { runId, repoId } = job.data;
    const run = await this.runs.get(runId);
    if (!run || (run.status !== 'queued' && run.status !== 'running')) return;
    const lock = await RepoLock.acquire(this.settings.databaseUrl, repoId);
    if (!lock) {
      // Another worker syncs this repository right now; come back shortly (or let the waiting job do it).
      if (!(await this.queue.continueRun(job.data, new Date(Date.now() + 15_000)))) {
        await this.runs.finish(
          runId,
          'partial',
          'another sync of this repository ran at the same time and a newer one is queued',
        );
      }
      return;
    }
    const holder: LockHolder = { lock };
    const beat = setInterval(
      () => void holder.lock.run((db) => this.runs.heartbeat(db, runId)).catch(() => undefined),
      Math.max(1000, this.settings.staleAfterSeconds * 250),
    );
    beat.unref();
    try {
      await this.settle(
        { id: runId, repoId, fullName: run.full_name },
        run.progress ?? 0,
        'running',
        false,
        (tx) => this.runs.markRunning(runId, job.id, this.worker, null, tx),
      );
      await this.execute(job, holder);
    } finally {
      clearInterval(beat);
      await holder.lock.release();
    }
  }

  private async execute(job: PgBoss.JobWithMetadata<RepoJobData>, holder: LockHolder): Promise<void> {
    const sliceEnd = Date.now() + this.settings.sliceSeconds * 1000;
    let dbFailures = 0;
    let githubFailures = 0;
    for (;;) {
      try {
        await this.attempt(job, sliceEnd);
        return;
      } catch (err) {
        if (isDatabaseUnavailable(err) && ++dbFailures <= 6) {
          this.logger.warn(
            `sync of repository ${job.data.repoId}: database connection lost (${(err as Error).message}); resuming when it is back`,
          );
          // Its probe is handed over as text, like pg-boss's statements.
          await waitForDatabase({ query: (text) => executeRawSql(this.db, text) });
          if (!holder.lock.held) {
            const again = await RepoLock.acquire(this.settings.databaseUrl, job.data.repoId);
            if (!again) return; // someone else took the repository over meanwhile
            holder.lock = again;
          }
          await this.runs.markRunning(job.data.runId, job.id, this.worker, null);
          continue;
        }
        if (err instanceof TransientGithubError && ++githubFailures <= 3) {
          await sleep(2000 * githubFailures);
          continue;
        }
        const last = job.retryCount >= job.retryLimit;
        const message = `${(err as Error).message}${last ? '' : ` (retry ${job.retryCount + 1} of ${job.retryLimit} follows)`}`;
        this.logger.warn(`sync of repository ${job.data.repoId} failed: ${message}`);
        await inTransaction(this.db, async (tx) => {
          await this.runs.finish(job.data.runId, last ? 'failed' : 'queued', message, undefined, tx);
          if (last) await this.events.repoChanged(tx, job.data.repoId);
        }).catch(() => undefined);
        throw err;
      }
    }
  }

  private async attempt(job: PgBoss.JobWithMetadata<RepoJobData>, sliceEnd: number): Promise<void> {
    const { runId, repoId, hint } = job.data;
    const run = await this.runs.get(runId);
    if (!run) throw new Error(`sync run ${runId} no longer exists`);
    const ref = { id: runId, repoId, fullName: run.full_name };
    let base = totalsOf(run);
    let unavailable: RepoUnavailableError | null = null;
    // Credentials an organization policy refused this run (SSO not authorized, OAuth App restrictions), and
    // the latest refusal: shown when nobody else can read the repository either.
    const skip = { userIds: [] as string[], installation: false };
    let refused: OrgPolicyBlockedError | null = null;
    for (let tries = 0; tries < 20; tries++) {
      const cred = await this.clients.forRepo(repoId, skip);
      if (!cred && refused) return this.policyBlocked(ref, run, refused, base);
      if (!cred) return this.noCredential(run, unavailable);
      if (cred.installationId === undefined) await this.runs.setCredential(runId, cred.userId);
      const meter = new SyncMeter();
      let items: SyncRunCounts = { ...EMPTY_COUNTS };
      const gateway = this.gateway(cred, meter);
      if (run.paused_until) await gateway.probeRateLimit().catch(() => undefined);
      const engine: RepoSyncEngine = new RepoSyncEngine({
        db: this.db,
        store: this.store,
        gateway,
        governor: this.governor,
        historyDays: this.settings.historyDays,
        runStartedAt: run.started_at ? new Date(run.started_at) : new Date(),
        hooks: {
          onPage: async (tx, p) => {
            for (const kind of Object.keys(p.items) as Array<keyof SyncRunCounts>)
              this.metrics.itemsSynced(kind, p.items[kind] - items[kind]);
            items = p.items;
            await this.runs.recordPage(tx, runId, p.progress, p.items, meter, base);
          },
          // A backfill's history is not news: the timeline shows it once the first sync completes.
          announcePage: (tx, p, ids) => this.events.page(tx, ref, p.progress, engine.backfill ? [] : ids),
          shouldYield: () => this.stopping || Date.now() > sliceEnd,
          onRetry: (err, attempt) =>
            this.logger.warn(`sync of ${run.full_name}: ${err.message}; retry ${attempt} with smaller pages`),
        },
      });
      try {
        const outcome = await engine.run(repoId, hint);
        if (cred.installationId === undefined) {
          await this.access.recordAccess(cred.userId, repoId, engine.viewerPermission);
          // GitHub answers again: earlier 404s were not "in a row", and an organization policy block is over.
          await this.access.noteReadable(cred.userId, repoId);
        }
        await this.store.clearBlock(this.db, repoId);
        const totals = { items: outcome.items, meter, base };
        if (outcome.status === 'yielded') {
          await this.settle(ref, run.progress ?? 0, 'queued', false, (tx) =>
            this.runs.finish(runId, 'queued', null, totals, tx),
          );
          if (!(await this.queue.continueRun(job.data)))
            await this.runs.finish(runId, 'partial', 'continued by the sync queued after it');
          return;
        }
        await this.settle(ref, 100, 'succeeded', true, (tx) =>
          this.runs.finish(runId, 'succeeded', null, totals, tx),
        );
        return;
      } catch (err) {
        const totals = { items, meter, base };
        if (err instanceof RateLimitPausedError) {
          // Resume at the reset, or earlier to re-check (GET /rate_limit is free); a little jitter spreads replicas.
          const resumeAt = new Date(
            Math.min(err.resumeAt.getTime(), Date.now() + this.settings.pauseRecheckSeconds * 1000) +
              Math.round(Math.random() * 1000),
          );
          await this.settle(ref, run.progress ?? 0, 'queued', false, async (tx) => {
            await this.runs.finish(runId, 'queued', null, totals, tx);
            await this.runs.pause(runId, err.resumeAt, err.message, tx);
          });
          if (!(await this.queue.continueRun(job.data, resumeAt)))
            await this.runs.finish(runId, 'partial', `${err.message}; continued by the sync queued after it`);
          return;
        }
        if (err instanceof OrgPolicyBlockedError) {
          // The policy binds this token, not the repository: another tracker's may be authorized.
          if (cred.installationId !== undefined) skip.installation = true;
          else {
            skip.userIds.push(cred.userId);
            await this.access.notePolicyRefusal(cred.userId, repoId);
          }
          refused = err;
          base = addTotals(base, totals);
          continue;
        }
        if (err instanceof RepoUnavailableError) {
          // Evidence only counts under a credential that still works for other calls, and only twice in a row.
          let works: boolean;
          try {
            works = await gateway.credentialWorks();
          } catch (probeErr) {
            if (!(probeErr instanceof CredentialRejectedError)) throw probeErr;
            await this.clients.rejected(cred.userId, cred.installationId);
            base = addTotals(base, totals);
            continue;
          }
          if (!works)
            throw new TransientGithubError(
              `${err.message}, and GitHub's rate-limit endpoint failed too; asking again later`,
              null,
            );
          if (cred.installationId !== undefined) {
            // Removed from the installation: the next credential is a user who tracks it, if any.
            await this.clients.installationLost(cred.installationId, repoId);
            base = addTotals(base, totals);
            continue;
          }
          const strikes = await this.access.strikeNotFound(cred.userId, repoId);
          if (strikes < NOT_FOUND_STRIKES) {
            await this.settle(ref, run.progress ?? 0, 'failed', true, (tx) =>
              this.runs.finish(
                runId,
                'failed',
                `${err.message}; access is kept until the next sync sees the same`,
                totals,
                tx,
              ),
            );
            return;
          }
          // GitHub no longer shows the repository to this user: they lose access to its data; try another user.
          await this.access.revokeAccess(cred.userId, repoId);
          unavailable = err;
          base = addTotals(base, totals);
          continue;
        }
        if (err instanceof CredentialRejectedError) {
          await this.clients.rejected(cred.userId, cred.installationId);
          base = addTotals(base, totals);
          continue;
        }
        await this.runs.finish(runId, 'running', null, totals).catch(() => undefined);
        throw err;
      }
    }
    throw new Error('gave up after trying 20 credentials');
  }

  private gateway(cred: SyncCredential, meter: SyncMeter): SyncGithubGateway {
    return new SyncGithubGateway({
      client: cred.client,
      credential: cred.userId,
      graphqlUrl: cred.graphqlUrl,
      etags: this.etags,
      limits: this.registry.for(cred.userId),
      meter,
    });
  }

  /**
   * SSO or OAuth App restrictions refused every credential: access is intact and the stored data stays visible;
   * the repository says who must act.
   */
  private async policyBlocked(
    ref: SyncRunRef,
    run: SyncRunRow,
    err: OrgPolicyBlockedError,
    base: RunTotals,
  ): Promise<void> {
    const block = err.blockFor(ownerOf(run.full_name));
    await this.settle(ref, run.progress ?? 0, 'failed', true, async (tx) => {
      await this.store.setBlock(tx, run.repo_id, block);
      await this.runs.finish(
        run.id,
        'failed',
        err.message,
        { items: EMPTY_COUNTS, meter: new SyncMeter(), base },
        tx,
      );
    });
  }

  /** Nobody who tracks the repository can read it any more: say why, in the run and on the repository. */
  private async noCredential(run: SyncRunRow, unavailable: RepoUnavailableError | null): Promise<void> {
    const repo = await this.store.loadRepo(this.db, run.repo_id);
    const readers = await this.access.readerCount(run.repo_id);
    let message: string;
    if (unavailable !== null || readers === 0) {
      // Deleted only when GitHub confirms it: GET /repositories/{id} answered 404 for a public repository. For a
      // private one we cannot tell deletion from lost access, so the reading that claims less is shown.
      const state =
        repo?.visibility === 'public' && unavailable?.status === 404 && unavailable.source === 'rest'
          ? 'deleted'
          : 'access_lost';
      await this.store.setGithubState(this.db, run.repo_id, state);
      message =
        state === 'deleted'
          ? 'GitHub says the repository no longer exists (404)'
          : 'no user who tracks this repository can access it on GitHub any more';
    } else {
      message = 'no user who tracks this repository has a usable GitHub token; someone must sign in again';
    }
    await this.settle(
      { id: run.id, repoId: run.repo_id, fullName: run.full_name },
      run.progress ?? 0,
      'failed',
      true,
      (tx) => this.runs.finish(run.id, 'failed', message, undefined, tx),
    );
  }

  /** Records a run's new state and announces it in one transaction: dashboards hear of it once committed. */
  private async settle(
    run: SyncRunRef,
    progress: number,
    status: SyncRunStatus,
    repoChanged: boolean,
    record: (tx: Transaction<DB>) => Promise<void>,
  ): Promise<void> {
    await inTransaction(this.db, async (tx) => {
      await record(tx);
      await this.events.runState(tx, run, progress, status, repoChanged);
    });
  }
}

function addTotals(base: RunTotals, t: { items: SyncRunCounts; meter: SyncMeter }): RunTotals {
  const items = { ...base.items };
  for (const k of Object.keys(items) as Array<keyof SyncRunCounts>) items[k] += t.items[k];
  const pointsByStream = { ...base.pointsByStream };
  for (const [k, v] of Object.entries(t.meter.pointsByStream))
    pointsByStream[k] = (pointsByStream[k] ?? 0) + v;
  return {
    items,
    graphqlPoints: base.graphqlPoints + t.meter.graphqlPoints,
    restRequests: base.restRequests + t.meter.restRequests,
    notModified: base.notModified + t.meter.notModified,
    pointsByStream,
  };
}
