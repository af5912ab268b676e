import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import PgBoss from 'pg-boss';
import { ApiEnv } from '../config/api-env';
import { ensureQueue } from '../jobs/job-queue.module';
import { githubMessage } from './github-app-client';
import { GithubAppSettings } from './github-app-settings';
import { INSTALLATIONS_REFRESH_QUEUE } from './installations-refresh.constants';
import { InstallationsService } from './installations.service';

/**
 * Re-reads the App's installations at start and every GITHUB_APP_REFRESH_MINUTES, so a webhook GitHub failed
 * to deliver is caught up. Replicas with SYNC_ENABLED run it; 'stately' keeps it to one run at a time.
 */
@Injectable()
export class InstallationsRefreshJob implements OnApplicationBootstrap {
  private readonly logger = new Logger(InstallationsRefreshJob.name);

  constructor(
    private readonly env: ApiEnv,
    private readonly settings: GithubAppSettings,
    private readonly boss: PgBoss,
    private readonly installations: InstallationsService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await ensureQueue(this.boss, INSTALLATIONS_REFRESH_QUEUE, {
      policy: 'stately',
      retryLimit: 0,
      expireInSeconds: 900,
    });
    if (!this.settings.app) {
      await this.boss.unschedule(INSTALLATIONS_REFRESH_QUEUE);
      return;
    }
    await this.boss.schedule(INSTALLATIONS_REFRESH_QUEUE, cronEvery(this.settings.refreshMinutes));
    if (!this.env.SYNC_ENABLED) return;
    await this.boss.work(INSTALLATIONS_REFRESH_QUEUE, { pollingIntervalSeconds: 10 }, async () => {
      try {
        const result = await this.installations.refreshAll();
        this.logger.log(`GitHub App: ${result.installations} installations read, ${result.removed} gone`);
      } catch (err) {
        this.logger.warn(`GitHub App installations not refreshed: ${githubMessage(err)}`);
      }
    });
    await this.boss.send(INSTALLATIONS_REFRESH_QUEUE, {});
  }
}

/** A cron expression firing every `minutes` (whole hours beyond 59). */
export function cronEvery(minutes: number): string {
  if (minutes < 60) return `*/${minutes} * * * *`;
  return `0 */${Math.min(24, Math.round(minutes / 60))} * * *`;
}
