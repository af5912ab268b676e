import { Module } from '@nestjs/common';
import { GithubModule } from '../github/github.module';
import { InstallationsModule } from '../installations/installations.module';
import { ReposModule } from '../repos/repos.module';
import { ActivityRollupsRepository } from './activity-rollups.repository';
import { ActivityRollupsService } from './activity-rollups.service';
import { FactVersionsRepository } from './fact-versions.repository';
import { OrgCredentials } from './org-credentials.service';
import { OrgSyncJob } from './org-sync.job';
import { OrgSyncService } from './org-sync.service';
import { TeamsReadRepository } from './teams-read.repository';
import { TeamsController } from './teams.controller';
import { TeamsRepository } from './teams.repository';
import { TeamsService } from './teams.service';

/** Organizations, teams and people: synced from GitHub, kept current by webhooks, and their pages. */
@Module({
  imports: [GithubModule, InstallationsModule, ReposModule],
  controllers: [TeamsController],
  providers: [
    TeamsRepository,
    TeamsReadRepository,
    OrgCredentials,
    OrgSyncService,
    OrgSyncJob,
    TeamsService,
    ActivityRollupsRepository,
    ActivityRollupsService,
    FactVersionsRepository,
  ],
  exports: [OrgSyncService, TeamsService, FactVersionsRepository],
})
export class TeamsModule {}
