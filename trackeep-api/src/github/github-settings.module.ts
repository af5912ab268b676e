import { Module } from '@nestjs/common';
import { ApiEnv } from '../config/api-env';
import { GithubSettings } from './github-settings';

/** GithubSettings on its own, so modules GithubModule depends on (auth) can read them too. */
@Module({
  providers: [
    { provide: GithubSettings, inject: [ApiEnv], useFactory: (env: ApiEnv) => new GithubSettings(env) },
  ],
  exports: [GithubSettings],
})
export class GithubSettingsModule {}
