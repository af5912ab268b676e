import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { GithubModule } from '../github/github.module';
import { ActivityEventEntity } from './activity-event.entity';
import { BranchEntity } from './branch.entity';
import { BranchCommitEntity, CommitEntity } from './commit.entity';
import { PullRequestEntity } from './pull-request.entity';
import { RepoAccessCheckService } from './repo-access-check.service';
import { RepoAccessRepository } from './repo-access.repository';
import { RepoAccessService } from './repo-access.service';
import { RepoDataRepository } from './repo-data.repository';
import { RepoDataService } from './repo-data.service';
import { RepoStatsSnapshotEntity } from './repo-stats-snapshot.entity';
import { RepoStatusRegistry } from './repo-status.registry';
import { RepoTrackingEvents } from './repo-tracking.events';
import { ReposController } from './repos.controller';
import { ReposService } from './repos.service';
import { TrackedReposRepository } from './tracked-repos.repository';

export const REPO_ENTITIES = [
  CommitEntity,
  BranchCommitEntity,
  BranchEntity,
  PullRequestEntity,
  RepoStatsSnapshotEntity,
  ActivityEventEntity,
];

/**
 * Tracked repositories, access control (RepoAccessService) and the repo data endpoints. Exports the
 * entities of the shared tables, the access service, and the tracking/status hooks sync and webhooks use.
 */
@Module({
  imports: [TypeOrmModule.forFeature(REPO_ENTITIES), GithubModule],
  controllers: [ReposController],
  providers: [
    RepoAccessRepository,
    TrackedReposRepository,
    RepoAccessCheckService,
    RepoAccessService,
    RepoDataRepository,
    RepoDataService,
    ReposService,
    RepoTrackingEvents,
    RepoStatusRegistry,
  ],
  exports: [TypeOrmModule, RepoAccessService, ReposService, RepoTrackingEvents, RepoStatusRegistry],
})
export class ReposModule {}
