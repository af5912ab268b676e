import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import PgBoss from 'pg-boss';
import { ApiEnv } from '../config/api-env';
import { ensureQueue } from '../jobs/job-queue.module';
import { OrgSyncService } from './org-sync.service';

/** pg-boss queue of the organizations read (no data; one run at a time across replicas). */
export const ORG_SYNC_QUEUE = 'github-orgs-sync';
/** Hourly: webhooks apply membership changes at once; this read catches the ones GitHub did not deliver. */
const ORG_SYNC_CRON = '23 * * * *';

/**
 * Reads the organizations of tracked repositories at start and every hour. The schedule lives in pg-boss, so
 * however many replicas run, one job is queued per hour; 'stately' keeps it to one run at a time, and only
 * replicas with SYNC_ENABLED work on it.
 */
@Injectable()
export class OrgSyncJob implements OnApplicationBootstrap {
  private readonly logger = new Logger(OrgSyncJob.name);

  constructor(
    private readonly env: ApiEnv,
    private readonly boss: PgBoss,
    private readonly orgs: OrgSyncService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await ensureQueue(this.boss, ORG_SYNC_QUEUE, { policy: 'stately', retryLimit: 0, expireInSeconds: 1800 });
    await this.boss.schedule(ORG_SYNC_QUEUE, ORG_SYNC_CRON);
    if (!this.env.SYNC_ENABLED) return;
    await this.boss.work(ORG_SYNC_QUEUE, { pollingIntervalSeconds: 10 }, async () => {
      const { synced, failed } = await this.orgs.syncAll();
      this.logger.log(`organizations read from GitHub: ${synced}${failed ? `, ${failed} failed` : ''}`);
    });
    await this.boss.send(ORG_SYNC_QUEUE, {});
  }
}
