import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import type PgBoss from 'pg-boss';
import { MetricsService, type SyncJobKind } from '../../metrics/metrics.service';
import { cronPeriodMs, nextFireTime } from '../sync-cron.util';
import {
  maintenanceCron,
  SYNC_CYCLE_QUEUE,
  SYNC_MAINTENANCE_QUEUE,
  SYNC_REPO_QUEUE,
  SyncSettings,
} from '../sync.settings';
import { SyncCyclesRepository } from '../runs/sync-cycles.repository';
import { RepoSyncJob } from './repo-sync.job';
import { SyncCycleJob } from './sync-cycle.job';
import { SyncMaintenanceJob } from './sync-maintenance.job';
import { SyncQueue, type CycleJobData, type RepoJobData } from './sync-queue.service';

/**
 * The schedule and the workers. Crons only enqueue: SYNC_CRON opens a cycle (once, whichever replica fires
 * first) and queues its job; a second cron queues maintenance (stale-run recovery) every few seconds. Workers on every replica with
 * SYNC_ENABLED take the jobs: SYNC_CONCURRENCY repository syncs, one cycle and one maintenance at a time.
 */
@Injectable()
export class SyncCronJob implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(SyncCronJob.name);
  private readonly workerIds: string[] = [];
  private readonly repoWorkerIds: string[] = [];
  private nextFiring: { from: number; at: Date } | null = null;

  constructor(
    private readonly cycles: SyncCyclesRepository,
    private readonly scheduler: SchedulerRegistry,
    private readonly settings: SyncSettings,
    private readonly queue: SyncQueue,
    private readonly repoJob: RepoSyncJob,
    private readonly cycleJob: SyncCycleJob,
    private readonly maintenance: SyncMaintenanceJob,
    private readonly metrics: MetricsService,
  ) {}

  /** Runs one job with its started/finished/duration metrics; a throw that pg-boss will retry counts as `retried`. */
  private async measured<T>(
    kind: SyncJobKind,
    job: { retryCount?: number; retryLimit?: number } | undefined,
    work: () => Promise<T>,
  ): Promise<T> {
    const finish = this.metrics.syncJobStarted(kind);
    try {
      const result = await work();
      finish('succeeded');
      return result;
    } catch (err) {
      finish(
        job?.retryCount !== undefined && job.retryLimit !== undefined && job.retryCount < job.retryLimit
          ? 'retried'
          : 'failed',
      );
      throw err;
    }
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.queue.ensureQueues();
    if (!this.settings.enabled) return;
    const boss = this.queue.boss;
    for (let i = 0; i < this.settings.concurrency; i++) {
      const slot = { id: '' };
      slot.id = await boss.work<RepoJobData>(
        SYNC_REPO_QUEUE,
        { batchSize: 1, pollingIntervalSeconds: 1, includeMetadata: true },
        async ([job]) => {
          try {
            if (!job) throw new Error('pg-boss called the repository sync worker with an empty batch');
            const withMetadata = job as PgBoss.JobWithMetadata<RepoJobData>;
            await this.measured('repo', withMetadata, () => this.repoJob.handle(withMetadata));
          } finally {
            // pg-boss waits out the rest of its polling interval after a quick job; fetch the next one now.
            boss.notifyWorker(slot.id);
          }
        },
      );
      this.repoWorkerIds.push(slot.id);
      this.workerIds.push(slot.id);
    }
    this.workerIds.push(
      await boss.work<CycleJobData>(
        SYNC_CYCLE_QUEUE,
        { batchSize: 1, pollingIntervalSeconds: 1 },
        async ([job]) => {
          if (!job) throw new Error('pg-boss called the sync cycle worker with an empty batch');
          const result = await this.measured('cycle', undefined, () => this.cycleJob.handle(job.data.slot));
          for (const id of this.repoWorkerIds) boss.notifyWorker(id);
          return result;
        },
      ),
    );
    this.workerIds.push(
      await boss.work(SYNC_MAINTENANCE_QUEUE, { batchSize: 1, pollingIntervalSeconds: 2 }, async () =>
        this.measured('maintenance', undefined, () => this.maintenance.handle()),
      ),
    );

    this.addCron('trackeep-sync-cycle', this.settings.cron, () => this.startCycle(new Date()));
    this.addCron('trackeep-sync-maintenance', maintenanceCron(this.settings.staleAfterSeconds), () =>
      this.queue.enqueueMaintenance(),
    );
  }

  async onModuleDestroy(): Promise<void> {
    this.repoJob.stop();
    for (const name of ['trackeep-sync-cycle', 'trackeep-sync-maintenance']) {
      if (this.scheduler.doesExist('cron', name)) {
        void this.scheduler.getCronJob(name).stop();
        this.scheduler.deleteCronJob(name);
      }
    }
    for (const id of this.workerIds.splice(0)) await this.queue.boss.offWork({ id }).catch(() => undefined);
  }

  /** When the schedule next fires (for the status page). */
  nextCycleAt(from = new Date()): Date {
    // The same answer for every instant between two firings (the status page asks on every request).
    const known = this.nextFiring;
    if (known && from.getTime() >= known.from && from.getTime() < known.at.getTime())
      return new Date(known.at.getTime());
    const at = nextFireTime(this.settings.cron, from);
    this.nextFiring = { from: from.getTime(), at };
    return at;
  }

  /**
   * Opens the cycle of the firing at `firedAt` and queues its job, unless a replica already opened one for
   * this firing: every replica's cron fires at the same second, so the slot is that second; clocks that
   * disagree by a little still land within half a period of the opened slot and are turned away.
   */
  async startCycle(firedAt: Date): Promise<Date | null> {
    const slot = new Date(Math.round(firedAt.getTime() / 1000) * 1000);
    const window = Math.max(500, Math.floor(cronPeriodMs(this.settings.cron) / 2));
    if (!(await this.cycles.open(slot, window))) return null;
    await this.queue.enqueueCycle(slot);
    return slot;
  }

  private addCron(name: string, expression: string, tick: () => Promise<unknown>): void {
    const job = CronJob.from({
      cronTime: expression,
      onTick: () => {
        tick().catch((err: Error) => this.logger.error(`${name}: ${err.message}`));
      },
      start: false,
    });
    this.scheduler.addCronJob(name, job);
    job.start();
  }
}
