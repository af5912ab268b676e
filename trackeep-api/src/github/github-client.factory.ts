import { Injectable, Logger } from '@nestjs/common';
import type { RepoPermission } from '@trackeep/contracts';
import { GithubTokenUnavailableException } from '../auth/github-token-unavailable.exception';
import { UsersService } from '../auth/users.service';
import { MetricsService } from '../metrics/metrics.service';
import { GithubCredentialRepository } from './github-credential.repository';
import {
  createGithubOctokit,
  type GithubClientMode,
  type GithubCredential,
  type TrackeepOctokit,
} from './github-octokit';
import { GithubRateLimitService } from './github-rate-limit.service';
import { GithubReauthRequiredException } from './github-reauth-required.exception';
import { GithubSettings } from './github-settings';

export type { TrackeepOctokit } from './github-octokit';

export interface GithubClientOptions {
  /** See GithubClientMode; `interactive` by default. */
  mode?: GithubClientMode;
  /** Background mode: longest Retry-After waited for (default 15 minutes). */
  maxWaitSeconds?: number;
  /** Paced mode: concurrent requests per credential in this process. */
  maxConcurrent?: number;
}

const PERMISSION_RANK: Record<RepoPermission, number> = {
  pull: 1,
  triage: 2,
  push: 3,
  maintain: 4,
  admin: 5,
};

/**
 * The one place GitHub clients come from: the user's token decrypted from the database, GithubSettings' base
 * URL and timeout, throttling and retry, every answer counted in /metrics and its budget recorded in the shared
 * rate-limit store. Outside paced mode a 401 flags the user for sign-in and surfaces as
 * GithubReauthRequiredException (HTTP 401 `github_reauth_required`); the paced sync handles 401 itself.
 */
@Injectable()
export class GithubClientFactory {
  private readonly logger = new Logger(GithubClientFactory.name);

  constructor(
    private readonly settings: GithubSettings,
    private readonly users: UsersService,
    private readonly rateLimits: GithubRateLimitService,
    private readonly credentials: GithubCredentialRepository,
    private readonly metrics: MetricsService,
  ) {}

  /** A client acting as `userId`; throws GithubReauthRequiredException when there is no usable token. */
  async forUser(userId: string, options: GithubClientOptions = {}): Promise<TrackeepOctokit> {
    const token = await this.users.githubToken(userId);
    if (!token) throw new GithubReauthRequiredException(userId);
    return this.build({ kind: 'user', userId, token }, options);
  }

  /**
   * A client for background work on a repository: acts as a user who tracks it, still has access and a
   * usable token, preferring the highest permission (admins can manage webhooks). Null when nobody qualifies.
   */
  async forRepo(
    repoId: string,
    options: GithubClientOptions & { minPermission?: RepoPermission } = {},
  ): Promise<{ userId: string; octokit: TrackeepOctokit } | null> {
    const min = PERMISSION_RANK[options.minPermission ?? 'pull'];
    const ranked = (await this.credentials.trackersWithAccess(repoId))
      .filter((c) => PERMISSION_RANK[c.permission] >= min)
      .sort((a, b) => PERMISSION_RANK[b.permission] - PERMISSION_RANK[a.permission]);
    // An expired token that cannot be refreshed just now says nothing about access: if nobody else can act,
    // the caller fails and retries rather than concluding nobody qualifies.
    let unavailable: GithubTokenUnavailableException | null = null;
    for (const { userId } of ranked) {
      let token: string | null;
      try {
        token = await this.users.githubToken(userId);
      } catch (err) {
        if (!(err instanceof GithubTokenUnavailableException)) throw err;
        unavailable = err;
        continue;
      }
      if (token)
        return {
          userId,
          octokit: this.build({ kind: 'user', userId, token }, { mode: 'background', ...options }),
        };
    }
    if (unavailable) throw unavailable;
    return null;
  }

  /**
   * GitHub rejected the user's token (401). An expiring token is refreshed instead (it may have expired in
   * use, or another replica's refresh revoked it); otherwise, or if the refresh is refused, the user must sign
   * in again before anything acts as them. Returns whether the user was flagged. `token`: the rejected one,
   * when known (tells a revoked token from one another replica's refresh replaced).
   */
  async rejected(userId: string, token?: string): Promise<boolean> {
    const outcome = await this.users.githubTokenRejected(userId, token);
    if (outcome === 'reauth_required')
      this.logger.warn(`user ${userId}: GitHub answered 401; flagging the user to sign in again`);
    else this.logger.warn(`user ${userId}: GitHub answered 401 to an expiring token; refresh: ${outcome}`);
    return outcome === 'reauth_required';
  }

  private build(credential: GithubCredential, options: GithubClientOptions): TrackeepOctokit {
    const mode = options.mode ?? 'interactive';
    const octokit = createGithubOctokit({
      credential,
      baseUrl: this.settings.apiUrl,
      timeoutMs: this.settings.requestTimeoutMs,
      mode,
      maxWaitSeconds: options.maxWaitSeconds,
      maxConcurrent: options.maxConcurrent,
      metrics: this.metrics,
      rateLimits: this.rateLimits,
    });
    if (mode !== 'paced') {
      octokit.hook.error('request', async (error) => {
        if ((error as { status?: number }).status === 401) {
          if (await this.rejected(credential.userId, credential.token))
            throw new GithubReauthRequiredException(credential.userId);
          throw new GithubTokenUnavailableException(credential.userId);
        }
        throw error;
      });
    }
    return octokit;
  }
}
