import { Injectable } from '@nestjs/common';
import { AuthSettings } from '../../auth/auth-settings';
import { UsersService } from '../../auth/users.service';
import { GithubClientFactory, type TrackeepOctokit } from '../../github/github-client.factory';
import { GithubReauthRequiredException } from '../../github/github-reauth-required.exception';
import type { OctokitLike } from './sync-github.gateway';
import { buildSyncOctokit } from './sync-octokit.factory';

export interface SyncCredential {
  userId: string;
  client: OctokitLike;
  graphqlUrl: string;
}

/** Where the sync gets its GitHub clients. Tests replace it with one that hands out simulator tokens. */
export abstract class SyncClientProvider {
  /** A user who tracks the repository and still has access (the best permission first), or null. */
  abstract forRepo(repoId: string): Promise<SyncCredential | null>;
  /** The user's own client (change detection over everything they track), or null without a usable token. */
  abstract forUser(userId: string): Promise<SyncCredential | null>;
  /** GitHub rejected the user's token (401). */
  abstract rejected(userId: string): Promise<void>;
}

export const SYNC_MAX_CONCURRENT_PER_TOKEN = Symbol('SYNC_MAX_CONCURRENT_PER_TOKEN');

/**
 * Production provider on top of #5's GithubClientFactory (which picks the user and decrypts the token).
 * The sync then builds its own Octokit from that token: the factory's background clients wait out primary
 * limits in-process and space GraphQL calls a second apart, while the sync pauses and paces itself.
 */
@Injectable()
export class GithubSyncClientProvider extends SyncClientProvider {
  constructor(
    private readonly factory: GithubClientFactory,
    private readonly settings: AuthSettings,
    private readonly users: UsersService,
    private readonly maxConcurrent: number,
  ) {
    super();
  }

  async forRepo(repoId: string): Promise<SyncCredential | null> {
    const picked = await this.factory.forRepo(repoId, { mode: 'background' });
    return picked ? this.derive(picked.userId, picked.octokit) : null;
  }

  async forUser(userId: string): Promise<SyncCredential | null> {
    try {
      return await this.derive(userId, await this.factory.forUser(userId, { mode: 'background' }));
    } catch (err) {
      if (err instanceof GithubReauthRequiredException) return null;
      throw err;
    }
  }

  async rejected(userId: string): Promise<void> {
    await this.users.markReauthRequired(userId);
  }

  private async derive(userId: string, octokit: TrackeepOctokit): Promise<SyncCredential | null> {
    const auth = (await octokit.auth()) as { type?: string; token?: string };
    if (!auth?.token) return null;
    return {
      userId,
      graphqlUrl: this.settings.githubGraphqlUrl,
      client: buildSyncOctokit({
        token: auth.token,
        baseUrl: this.settings.githubApiUrl,
        credential: userId,
        maxConcurrent: this.maxConcurrent,
      }),
    };
  }
}
