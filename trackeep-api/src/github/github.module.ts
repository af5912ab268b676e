import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { GithubClientFactory } from './github-client.factory';
import { GithubCredentialRepository } from './github-credential.repository';
import { GithubEtagCache } from './github-etag-cache.service';
import { GithubEtagRepository } from './github-etag.repository';
import { GithubRateLimitRepository } from './github-rate-limit.repository';
import { GithubRateLimitService } from './github-rate-limit.service';
import { GithubReposController } from './github-repos.controller';
import { GithubReposRepository } from './github-repos.repository';
import { GithubReposService } from './github-repos.service';
import { GithubSettingsModule } from './github-settings.module';

/**
 * The GitHub adapter every caller goes through: GithubSettings, the client factory, the one ETag cache and the
 * one rate-limit store; and the "what can I access on GitHub" endpoint.
 */
@Module({
  imports: [AuthModule, GithubSettingsModule],
  controllers: [GithubReposController],
  providers: [
    GithubClientFactory,
    GithubCredentialRepository,
    GithubEtagRepository,
    GithubEtagCache,
    GithubRateLimitRepository,
    GithubRateLimitService,
    GithubReposRepository,
    GithubReposService,
  ],
  exports: [GithubSettingsModule, GithubClientFactory, GithubEtagCache, GithubRateLimitService],
})
export class GithubModule {}
