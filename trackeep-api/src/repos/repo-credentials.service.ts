import { Injectable } from '@nestjs/common';
import type { RepoPermission } from '@trackeep/contracts';
import { GithubTokenUnavailableException } from '../auth/github-token-unavailable.exception';
import {
  GithubClientFactory,
  type GithubClientOptions,
  type TrackeepOctokit,
} from '../github/github-client.factory';
import { RepoAccessRepository } from './repo-access.repository';
import { permissionRank } from './repo-permission.util';

/** Whose GitHub credentials background work on a repository acts with. */
@Injectable()
export class RepoCredentials {
  constructor(
    private readonly access: RepoAccessRepository,
    private readonly github: GithubClientFactory,
  ) {}

  /**
   * A client acting as a user who tracks the repository, still has access and a usable token, preferring the
   * highest permission (admins can manage webhooks). Null when nobody qualifies.
   */
  async forRepo(
    repoId: string,
    options: GithubClientOptions & { minPermission?: RepoPermission } = {},
  ): Promise<{ userId: string; octokit: TrackeepOctokit } | null> {
    const min = permissionRank(options.minPermission ?? 'pull');
    const ranked = (await this.access.trackersWithAccess(repoId))
      .filter((c) => permissionRank(c.permission) >= min)
      .sort((a, b) => permissionRank(b.permission) - permissionRank(a.permission));
    // An expired token that cannot be refreshed just now says nothing about access: if nobody else can act,
    // the caller fails and retries rather than concluding nobody qualifies.
    let unavailable: GithubTokenUnavailableException | null = null;
    for (const { userId } of ranked) {
      try {
        const octokit = await this.github.forUserIfUsable(userId, { mode: 'background', ...options });
        if (octokit) return { userId, octokit };
      } catch (err) {
        if (!(err instanceof GithubTokenUnavailableException)) throw err;
        unavailable = err;
      }
    }
    if (unavailable) throw unavailable;
    return null;
  }
}
