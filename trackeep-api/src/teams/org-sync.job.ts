import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import PgBoss from 'pg-boss';
import { ApiEnv } from '../config/api-env';
import { ensureQueue } from '../jobs/job-queue.module';
import { RepoTrackingEvents } from '../repos/repo-tracking.events';
import { splitFullName } from '../common/full-name.util';
import { OrgSyncService } from './org-sync.service';
import { TeamsReadRepository } from './teams-read.repository';
import { GithubSettings } from '../github/github-settings';
import { InstallationsService } from '../installations/installations.service';

/** pg-boss queue of the organizations read (no data; one run at a time across replicas). */
export const ORG_SYNC_QUEUE = 'github-orgs-sync';
/** One organization read at once: the owner of a repository just tracked, or an installation's organization. */
export const ORG_READ_QUEUE = 'github-org-read';
/** An organization read this recently is not read again because another of its repositories was tracked. */
const ORG_FRESH_MS = 60 * 60_000;
/** Hourly: webhooks apply membership changes at once; this read catches the ones GitHub did not deliver. */
const ORG_SYNC_CRON = '23 * * * *';

/**
 * Reads the organizations of tracked repositories, and those the App is installed on, at start and every hour.
 * The schedule lives in pg-boss, so however many replicas run, one job is queued per hour; 'stately' keeps it to
 * one run at a time, and only replicas with SYNC_ENABLED work on it.
 */
@Injectable()
export class OrgSyncJob implements OnApplicationBootstrap {
  private readonly logger = new Logger(OrgSyncJob.name);

  constructor(
    private readonly env: ApiEnv,
    private readonly boss: PgBoss,
    private readonly orgs: OrgSyncService,
    private readonly tracking: RepoTrackingEvents,
    private readonly read: TeamsReadRepository,
    private readonly github: GithubSettings,
    private readonly installations: InstallationsService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await ensureQueue(this.boss, ORG_SYNC_QUEUE, { policy: 'stately', retryLimit: 0, expireInSeconds: 1800 });
    await this.boss.schedule(ORG_SYNC_QUEUE, ORG_SYNC_CRON);
    // 'short': one read waits per organization however many requests arrive; a request made while a read runs
    // queues the next one, which a time slot per key would drop until the slot passed.
    await ensureQueue(this.boss, ORG_READ_QUEUE, {
      policy: 'short',
      retryLimit: 2,
      retryDelay: 30,
      expireInSeconds: 900,
    });
    this.tracking.onTracked((e) => this.readSoon(splitFullName(e.fullName)[0]));
    // Its repositories are tracked for everyone who may read them, without anyone tracking one by hand.
    this.installations.onReposStored(async (installation) => {
      if (installation.accountType === 'Organization') await this.readSoon(installation.accountLogin);
    });
    if (!this.env.SYNC_ENABLED) return;
    await this.boss.work<{ owner?: string }>(
      ORG_READ_QUEUE,
      { pollingIntervalSeconds: 2, includeMetadata: true },
      async ([job]) => {
        const owner = job?.data?.owner;
        if (typeof owner !== 'string' || !owner) return;
        // Queued while an earlier read ran, which has since stored the organization: nothing new to read.
        const known = await this.read.findOrg(this.github.host, owner);
        if (known?.syncedAt && known.syncedAt.getTime() >= job.createdOn.getTime()) return;
        const outcome = await this.orgs.syncOrg(owner);
        this.logger.log(`organization ${owner} read from GitHub: ${outcome}`);
      },
    );
    await this.boss.work(ORG_SYNC_QUEUE, { pollingIntervalSeconds: 10 }, async () => {
      const { synced, failed } = await this.orgs.syncAll();
      this.logger.log(`organizations read from GitHub: ${synced}${failed ? `, ${failed} failed` : ''}`);
    });
    await this.boss.send(ORG_SYNC_QUEUE, {});
  }

  /**
   * Someone started tracking a repository of an organization Trackeep has not read lately, or the App's
   * installation on it stored its repositories: its teams and members are read now (once per owner however many
   * of its repositories are tracked at once), so its pages do not wait for the hourly read.
   */
  private async readSoon(owner: string): Promise<void> {
    const known = await this.read.findOrg(this.github.host, owner);
    if (known?.syncedAt && Date.now() - known.syncedAt.getTime() < ORG_FRESH_MS) return;
    await this.boss.send(ORG_READ_QUEUE, { owner }, { singletonKey: owner.toLowerCase() });
  }
}
