import { Injectable, Logger, Module, type OnModuleInit } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { AuthModule } from '../auth/auth.module';
import { ApiEnv } from '../config/api-env';
import { EventsModule } from '../events/events.module';
import { GithubClientFactory } from '../github/github-client.factory';
import { GithubModule } from '../github/github.module';
import { GithubRateLimitService } from '../github/github-rate-limit.service';
import { GithubSettings } from '../github/github-settings';
import { RepoStatusRegistry } from '../repos/repo-status.registry';
import { RepoTrackingEvents } from '../repos/repo-tracking.events';
import { ReposModule } from '../repos/repos.module';
import { InstallationsModule } from '../installations/installations.module';
import { InstallationsService } from '../installations/installations.service';
import { RepoCredentials } from '../repos/repo-credentials.service';
import { CredentialLimitsRegistry } from './github/credential-limits';
import { GithubSyncClientProvider, SyncClientProvider } from './github/sync-client.provider';
import { RepoLockRepository } from './jobs/repo-lock.repository';
import { RepoSyncJob } from './jobs/repo-sync.job';
import { SyncCronJob } from './jobs/sync.cron.job';
import { SyncCycleJob } from './jobs/sync-cycle.job';
import { SyncMaintenanceJob } from './jobs/sync-maintenance.job';
import { SyncQueue } from './jobs/sync-queue.service';
import { SyncEventsPublisher } from './runs/sync-events.publisher';
import { SyncCyclesRepository } from './runs/sync-cycles.repository';
import { SyncRunsRepository } from './runs/sync-runs.repository';
import { SyncHistoryController } from './history/sync-history.controller';
import { SyncHistoryRepository } from './history/sync-history.repository';
import { SyncHistoryService } from './history/sync-history.service';
import { SyncController } from './sync.controller';
import { SyncService } from './sync.service';
import { SyncSettings } from './sync.settings';

/**
 * Hooks into the repos and installations modules: a newly tracked repository, by hand or by an auto-tracking
 * installation, syncs at once rather than at the next cycle; the repo list shows the last sync.
 */
@Injectable()
class SyncRepoHooks implements OnModuleInit {
  private readonly logger = new Logger('SyncRepoHooks');

  constructor(
    private readonly tracking: RepoTrackingEvents,
    private readonly status: RepoStatusRegistry,
    private readonly sync: SyncService,
    private readonly runs: SyncRunsRepository,
    private readonly installations: InstallationsService,
    private readonly queue: SyncQueue,
  ) {}

  onModuleInit(): void {
    this.tracking.onTracked(async ({ userId, repoId, fullName }) => {
      const res = await this.sync.trigger({ id: userId }, [repoId], 'track');
      if (res.queued) this.logger.log(`queued the first sync of ${fullName}`);
    });
    this.installations.onReposStored((installation) => this.syncNeverSynced(installation.installationId));
    this.status.registerSyncSummary((repoIds) => this.runs.summaries(repoIds));
  }

  /** The installation's repositories that never had a sync run: their first sync, once each (queued runs kept). */
  private async syncNeverSynced(installationId: number): Promise<void> {
    const ids = (await this.installations.autoTrackedRepos(installationId))
      .filter((r) => r.githubState !== 'deleted' && r.githubState !== 'access_lost')
      .map((r) => r.repoId);
    const known = await this.runs.summaries(ids);
    let queued = 0;
    for (const id of ids) if (!known.has(id) && (await this.queue.enqueueRepo(id, 'track')).queued) queued++;
    if (queued) this.logger.log(`queued the first sync of ${queued} auto-tracked repositories`);
  }
}

/**
 * Background sync: schedule, workers, engine, endpoints. Configured by the SYNC_* variables;
 * see README.sync.md.
 */
@Module({
  imports: [
    ScheduleModule.forRoot(),
    AuthModule,
    GithubModule,
    ReposModule,
    EventsModule,
    InstallationsModule,
  ],
  controllers: [SyncController, SyncHistoryController],
  providers: [
    { provide: SyncSettings, inject: [ApiEnv], useFactory: (env: ApiEnv) => new SyncSettings(env) },
    {
      provide: CredentialLimitsRegistry,
      inject: [GithubRateLimitService, SyncSettings],
      useFactory: (store: GithubRateLimitService, s: SyncSettings) =>
        new CredentialLimitsRegistry(store, s.limits),
    },
    {
      provide: SyncClientProvider,
      inject: [GithubClientFactory, RepoCredentials, GithubSettings, SyncSettings],
      useFactory: (f: GithubClientFactory, c: RepoCredentials, g: GithubSettings, s: SyncSettings) =>
        new GithubSyncClientProvider(f, c, g, s.limits.maxConcurrent),
    },
    SyncRunsRepository,
    SyncHistoryRepository,
    SyncHistoryService,
    SyncCyclesRepository,
    RepoLockRepository,
    SyncEventsPublisher,
    SyncQueue,
    RepoSyncJob,
    SyncCycleJob,
    SyncMaintenanceJob,
    SyncCronJob,
    SyncService,
    SyncRepoHooks,
  ],
  exports: [SyncService, SyncQueue, SyncCronJob],
})
export class SyncModule {}
