import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ApiEnv } from '../config/api-env';
import { GithubModule } from '../github/github.module';
import { GithubSettings } from '../github/github-settings';
import { JobQueueModule } from '../jobs/job-queue.module';
import { GithubAppSettings } from './github-app-settings';
import { InstallationTokenService } from './installation-token.service';
import { InstallationsController } from './installations.controller';
import { InstallationsRefreshJob } from './installations-refresh.job';
import { InstallationsRepository } from './installations.repository';
import { InstallationsService } from './installations.service';

/**
 * GitHub App mode: the App's installations (kept current from GitHub and its installation webhooks), their
 * shared, encrypted installation tokens, and the Installations page's API.
 */
@Module({
  imports: [AuthModule, GithubModule, JobQueueModule],
  controllers: [InstallationsController],
  providers: [
    {
      provide: GithubAppSettings,
      inject: [ApiEnv, GithubSettings],
      useFactory: (env: ApiEnv, github: GithubSettings) => new GithubAppSettings(env, github),
    },
    InstallationsRepository,
    InstallationTokenService,
    InstallationsService,
    InstallationsRefreshJob,
  ],
  exports: [GithubAppSettings, InstallationsService, InstallationTokenService, InstallationsRepository],
})
export class InstallationsModule {}
