import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { GithubModule } from '../github/github.module';
import { InstallationsModule } from '../installations/installations.module';
import { GithubReposController } from './github-repos.controller';
import { GithubReposService } from './github-repos.service';
import { InstallationVisibilityService } from './installation-visibility.service';
import { RepoAccessCheckService } from './repo-access-check.service';
import { RepoAccessRepository } from './repo-access.repository';
import { RepoAccessService } from './repo-access.service';
import { RepoCredentials } from './repo-credentials.service';
import { RepoDataRepository } from './repo-data.repository';
import { RepoDataService } from './repo-data.service';
import { RepoStatusRegistry } from './repo-status.registry';
import { RepoTrackingEvents } from './repo-tracking.events';
import { StarHistoryReadRepository } from './star-history-read.repository';
import { ReposController } from './repos.controller';
import { ReposService } from './repos.service';
import { TrackedReposRepository } from './tracked-repos.repository';

/**
 * Tracked repositories, access control (RepoAccessService), the repo data endpoints and the list of what the
 * user can track on GitHub. Exports the access service and the tracking/status hooks sync and webhooks use.
 * GitHub data is written through repos/data.
 */
@Module({
  imports: [AuthModule, GithubModule, InstallationsModule],
  controllers: [ReposController, GithubReposController],
  providers: [
    RepoAccessRepository,
    TrackedReposRepository,
    RepoAccessCheckService,
    RepoAccessService,
    RepoCredentials,
    RepoDataRepository,
    RepoDataService,
    StarHistoryReadRepository,
    ReposService,
    GithubReposService,
    RepoTrackingEvents,
    RepoStatusRegistry,
    InstallationVisibilityService,
  ],
  exports: [RepoAccessService, RepoCredentials, ReposService, RepoTrackingEvents, RepoStatusRegistry],
})
export class ReposModule {}
