import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { GithubClientFactory } from './github-client.factory';
import { GithubEtagCache } from './github-etag-cache.service';
import { GithubRateLimitService } from './github-rate-limit.service';
import { GithubReposController } from './github-repos.controller';
import { GithubReposService } from './github-repos.service';

/** Per-user GitHub clients (GithubClientFactory) and the "what can I access on GitHub" endpoint. */
@Module({
  imports: [AuthModule],
  controllers: [GithubReposController],
  providers: [GithubClientFactory, GithubEtagCache, GithubRateLimitService, GithubReposService],
  exports: [GithubClientFactory, GithubEtagCache, GithubRateLimitService],
})
export class GithubModule {}
