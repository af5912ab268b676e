import { Injectable } from '@nestjs/common';
import { GithubClientFactory } from '../../github/github-client.factory';
import { RepoCredentials, type CredentialSkip } from '../../repos/repo-credentials.service';
import { GithubReauthRequiredException } from '../../github/github-reauth-required.exception';
import { GithubSettings } from '../../github/github-settings';
import type { OctokitLike } from './sync-github.gateway';

export interface SyncCredential {
  /** The user, or for a GitHub App installation its credential id (`installation:<id>`). */
  userId: string;
  /** Set when the credential is a GitHub App installation's. */
  installationId?: number;
  client: OctokitLike;
  graphqlUrl: string;
}

/** Where the sync gets its GitHub clients. Tests replace it with one that hands out simulator tokens. */
export abstract class SyncClientProvider {
  /**
   * A covering installation, else a user who tracks the repository and still has access (the best permission
   * first), passing over `skip`; or null.
   */
  abstract forRepo(repoId: string, skip?: CredentialSkip): Promise<SyncCredential | null>;
  /** The user's own client (change detection over everything they track), or null without a usable token. */
  abstract forUser(userId: string): Promise<SyncCredential | null>;
  /** GitHub rejected the user's (or the installation's) token (401). */
  abstract rejected(userId: string, installationId?: number): Promise<void>;
  /** GitHub answered 404 to the installation's token for the repository: it no longer covers it. */
  async installationLost(_installationId: number, _repoId: string): Promise<void> {
    return undefined;
  }
}

/**
 * Production provider: repos picks who acts for a repository (a covering App installation, else a user); the adapter's factory decrypts the
 * token and builds a paced client (the sync pauses and paces itself instead of waiting limits out inside it).
 */
@Injectable()
export class GithubSyncClientProvider extends SyncClientProvider {
  constructor(
    private readonly factory: GithubClientFactory,
    private readonly credentials: RepoCredentials,
    private readonly settings: GithubSettings,
    private readonly maxConcurrent: number,
  ) {
    super();
  }

  async forRepo(repoId: string, skip?: CredentialSkip): Promise<SyncCredential | null> {
    const picked = await this.credentials.forRepo(repoId, {
      mode: 'paced',
      maxConcurrent: this.maxConcurrent,
      skip,
    });
    if (!picked) return null;
    return { ...this.credential(picked.userId, picked.octokit), installationId: picked.installationId };
  }

  async forUser(userId: string): Promise<SyncCredential | null> {
    try {
      const octokit = await this.factory.forUser(userId, {
        mode: 'paced',
        maxConcurrent: this.maxConcurrent,
      });
      return this.credential(userId, octokit);
    } catch (err) {
      if (err instanceof GithubReauthRequiredException) return null;
      throw err;
    }
  }

  async rejected(userId: string, installationId?: number): Promise<void> {
    if (installationId !== undefined) await this.credentials.installationRejected(installationId);
    else await this.factory.rejected(userId);
  }

  override async installationLost(installationId: number, repoId: string): Promise<void> {
    await this.credentials.installationLost(installationId, repoId);
  }

  private credential(userId: string, client: OctokitLike): SyncCredential {
    return { userId, client, graphqlUrl: this.settings.graphqlUrl };
  }
}
