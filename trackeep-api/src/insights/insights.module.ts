import { Module } from '@nestjs/common';
import { GithubModule } from '../github/github.module';
import { ReposModule } from '../repos/repos.module';
import { TeamsModule } from '../teams/teams.module';
import { InsightsController } from './insights.controller';
import { InsightsRepository } from './insights.repository';
import { InsightsService } from './insights.service';

/** Delivery insights: deployment and incident detection settings, DORA four keys, the pull request cycle. */
@Module({
  imports: [GithubModule, ReposModule, TeamsModule],
  controllers: [InsightsController],
  providers: [InsightsRepository, InsightsService],
})
export class InsightsModule {}
