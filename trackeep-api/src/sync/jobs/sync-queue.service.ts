import { Inject, Injectable } from '@nestjs/common';
import type { SyncTrigger } from '@trackeep/contracts';
import { executeRawSql, inTransaction } from '@trackeep/server-core';
import { Kysely } from 'kysely';
import PgBoss from 'pg-boss';
import type { DB } from '../../database/db.types';
import { ensureQueue } from '../../jobs/job-queue.module';
import type { DetectionHint } from '../engine/repo-sync.engine';
import { SyncRunsRepository, type SyncRunRow } from '../runs/sync-runs.repository';
import { SYNC_CYCLE_QUEUE, SYNC_MAINTENANCE_QUEUE, SYNC_REPO_QUEUE, SyncSettings } from '../sync.settings';

/** Data of a sync-repo job: the run it belongs to (continued across jobs) and what detection saw. */
export interface RepoJobData {
  runId: string;
  repoId: string;
  hint: DetectionHint | null;
}

export interface CycleJobData {
  slot: string;
}

export interface EnqueueResult {
  /** The run queued, or the one already waiting; null when this cycle's run of the repository already ended. */
  run: SyncRunRow | null;
  /** False when a run for this repository was already waiting (or this cycle already had one). */
  queued: boolean;
}

/** Thrown inside the enqueue transaction to roll back the run row when pg-boss queued no job. */
class NoJobQueued extends Error {}

/**
 * The sync's queues on the shared pg-boss. Repository jobs use the `short` policy with the repository id as
 * singleton key: at most one job per repository waits at any time, whichever replica enqueues it (the
 * advisory RepoLock makes sure at most one runs). A run row and its job are written in one transaction.
 */
@Injectable()
export class SyncQueue {
  constructor(
    @Inject(PgBoss) readonly boss: PgBoss,
    private readonly db: Kysely<DB>,
    private readonly runs: SyncRunsRepository,
    private readonly settings: SyncSettings,
  ) {}

  async ensureQueues(): Promise<void> {
    const s = this.settings;
    await ensureQueue(this.boss, SYNC_REPO_QUEUE, {
      policy: 'short',
      retryLimit: s.retryLimit,
      retryDelay: s.retryDelaySeconds,
      retryBackoff: true,
      expireInSeconds: s.expireInSeconds,
      retentionDays: 2,
    });
    await ensureQueue(this.boss, SYNC_CYCLE_QUEUE, {
      policy: 'standard',
      retryLimit: 2,
      retryDelay: 30,
      expireInSeconds: 3600,
      retentionDays: 2,
    });
    await ensureQueue(this.boss, SYNC_MAINTENANCE_QUEUE, {
      policy: 'short',
      retryLimit: 0,
      expireInSeconds: 300,
      retentionDays: 1,
    });
  }

  /** Queues a sync of one repository (a new run), unless one is already waiting for it. */
  async enqueueRepo(
    repoId: string,
    trigger: SyncTrigger,
    opts: {
      cycleSlot?: Date | null;
      requestedBy?: string | null;
      hint?: DetectionHint | null;
      startAfter?: Date;
    } = {},
  ): Promise<EnqueueResult> {
    let runId: string | null;
    try {
      runId = await inTransaction(this.db, async (tx) => {
        const id = await this.runs.insertQueued(tx, {
          repoId,
          trigger,
          cycleSlot: opts.cycleSlot ?? null,
          requestedBy: opts.requestedBy ?? null,
        });
        // Nothing was written (this cycle already has a run for the repository).
        if (!id) return null;
        const data: RepoJobData = { runId: id, repoId, hint: opts.hint ?? null };
        const jobId = await this.boss.send(SYNC_REPO_QUEUE, data, {
          singletonKey: repoId,
          startAfter: opts.startAfter,
          db: { executeSql: (text, values) => executeRawSql(tx, text, values) },
        });
        if (!jobId) throw new NoJobQueued();
        await this.runs.setJob(tx, id, jobId);
        return id;
      });
    } catch (err) {
      if (!(err instanceof NoJobQueued)) throw err;
      const waiting = await this.runs.queuedFor(repoId);
      if (waiting) return { run: waiting, queued: false };
      throw new Error(`could not queue a sync of repository ${repoId}`);
    }
    if (!runId) return { run: await this.runs.queuedFor(repoId), queued: false };
    const run = await this.runs.get(runId);
    if (!run) throw new Error(`the queued sync run ${runId} of repository ${repoId} is gone`);
    return { run, queued: true };
  }

  /** Queues the next slice of an existing run. False when another job already waits for the repository. */
  async continueRun(data: RepoJobData, startAfter?: Date): Promise<boolean> {
    const jobId = await this.boss.send(SYNC_REPO_QUEUE, data, { singletonKey: data.repoId, startAfter });
    if (jobId) await this.runs.setJob(this.db, data.runId, jobId);
    return !!jobId;
  }

  /** Queues a cycle's job. Once per firing: the caller has opened the cycle's row first (`cycles.open`). */
  async enqueueCycle(slot: Date): Promise<string | null> {
    return this.boss.send(SYNC_CYCLE_QUEUE, { slot: slot.toISOString() } satisfies CycleJobData);
  }

  async enqueueMaintenance(): Promise<string | null> {
    return this.boss.send(SYNC_MAINTENANCE_QUEUE, {}, { singletonKey: 'maintenance' });
  }
}
