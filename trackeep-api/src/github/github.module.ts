import { Module, type OnModuleInit } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { UsersService } from '../auth/users.service';
import { GithubClientFactory } from './github-client.factory';
import { GithubEtagCache } from './github-etag-cache.service';
import { GithubEtagRepository } from './github-etag.repository';
import { GithubRateLimitRepository } from './github-rate-limit.repository';
import { GithubRateLimitService } from './github-rate-limit.service';
import { GithubSettingsModule } from './github-settings.module';

/**
 * The GitHub adapter every caller goes through: GithubSettings, the client factory, the one ETag cache and the
 * one rate-limit store. It knows nothing of Trackeep's own tables beyond its caches.
 */
@Module({
  imports: [AuthModule, GithubSettingsModule],
  providers: [
    GithubClientFactory,
    GithubEtagRepository,
    GithubEtagCache,
    GithubRateLimitRepository,
    GithubRateLimitService,
  ],
  exports: [GithubSettingsModule, GithubClientFactory, GithubEtagCache, GithubRateLimitService],
})
export class GithubModule implements OnModuleInit {
  constructor(
    private readonly users: UsersService,
    private readonly etags: GithubEtagCache,
  ) {}

  onModuleInit(): void {
    // GitHub's ETags are valid only under the credential that fetched them.
    this.users.onTokenReplaced((userId) => this.etags.forgetAll(userId));
  }
}
