import { Inject, Injectable, Logger } from '@nestjs/common';
import PgBoss from 'pg-boss';
import { JOB_QUEUE_SCHEMA } from '../../jobs/job-queue.constants';
import { JobQueueRepository } from '../../jobs/job-queue.repository';
import { SyncCyclesRepository } from '../runs/sync-cycles.repository';
import { SyncRunsRepository } from '../runs/sync-runs.repository';
import { SYNC_REPO_QUEUE, SyncSettings } from '../sync.settings';
import { RepoLockRepository } from './repo-lock.repository';
import { SyncQueue } from './sync-queue.service';

const RETENTION_EVERY_MS = 3600_000;

/**
 * Stale-run recovery and retention, run every few seconds by whichever replica takes the job.
 *
 * A run is stale when it says "running", its heartbeat is older than SYNC_STALE_AFTER_SECONDS and no session
 * holds the repository's advisory lock (a dead process loses its lock with its connection). Its pg-boss job
 * is failed so pg-boss's retry policy takes over, and the retried job resumes from the saved cursors. A queued
 * run whose job vanished gets a new job.
 */
@Injectable()
export class SyncMaintenanceJob {
  private readonly logger = new Logger(SyncMaintenanceJob.name);
  private lastRetention = 0;

  constructor(
    private readonly locks: RepoLockRepository,
    @Inject(PgBoss) private readonly boss: PgBoss,
    private readonly runs: SyncRunsRepository,
    private readonly queue: SyncQueue,
    private readonly settings: SyncSettings,
    private readonly jobs: JobQueueRepository,
    private readonly cycles: SyncCyclesRepository,
  ) {}

  async handle(): Promise<{ recovered: number; requeued: number }> {
    let recovered = 0;
    for (const run of await this.runs.staleRunning(this.settings.staleAfterSeconds)) {
      if (await this.locks.isHeld(run.repo_id)) continue; // alive, just slow (e.g. waiting out a limit)
      const heartbeat = run.heartbeat_at ? new Date(run.heartbeat_at).toISOString() : 'never';
      this.logger.warn(
        `sync run ${run.id} of ${run.full_name} lost its worker (last heartbeat ${heartbeat}); retrying it`,
      );
      if (run.job_id) {
        await this.boss.fail(SYNC_REPO_QUEUE, run.job_id, { message: 'worker lost' }).catch(() => undefined);
        // Losing the worker is not the job's fault: retry now rather than after the retry back-off.
        await this.jobs.retryNow(run.job_id);
      }
      await this.runs.finish(
        run.id,
        'queued',
        `worker lost (last heartbeat ${heartbeat}); resuming from the last saved page`,
      );
      if (!(await this.jobWaiting(run.job_id))) {
        if (!(await this.queue.continueRun({ runId: run.id, repoId: run.repo_id, hint: null }))) {
          await this.runs.finish(
            run.id,
            'partial',
            'worker lost; the sync queued after it resumes from the last saved page',
          );
        }
      }
      recovered++;
    }

    let requeued = 0;
    for (const run of await this.runs.orphanedQueued(
      Math.max(60, this.settings.staleAfterSeconds),
      JOB_QUEUE_SCHEMA,
    )) {
      if (await this.locks.isHeld(run.repo_id)) continue;
      if (await this.queue.continueRun({ runId: run.id, repoId: run.repo_id, hint: null })) requeued++;
      else await this.runs.finish(run.id, 'partial', 'superseded by a newer queued sync of this repository');
    }

    // Keeps the sync-state queue short: readers read each still-queued repository from its runs.
    await this.runs.foldState();

    if (Date.now() - this.lastRetention > RETENTION_EVERY_MS) {
      this.lastRetention = Date.now();
      await this.runs.deleteOld(this.settings.retentionDays);
      await this.cycles.deleteOlderThan(this.settings.retentionDays);
    }
    return { recovered, requeued };
  }

  private async jobWaiting(jobId: string | null): Promise<boolean> {
    if (!jobId) return false;
    return ['created', 'retry', 'active'].includes((await this.jobs.state(jobId)) ?? '');
  }
}
