import { Injectable, Logger } from '@nestjs/common';
import type { RepoPermission } from '@trackeep/contracts';
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
    for (const { userId } of ranked) {
      const token = await this.users.githubToken(userId);
      if (token)
        return {
          userId,
          octokit: this.build({ kind: 'user', userId, token }, { mode: 'background', ...options }),
        };
    }
    return null;
  }

  /** GitHub rejected the user's token (401): they must sign in again before anything acts as them. */
  async rejected(userId: string): Promise<void> {
    this.logger.warn(`user ${userId}: GitHub answered 401; flagging the user to sign in again`);
    await this.users.markReauthRequired(userId);
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
          await this.rejected(credential.userId);
          throw new GithubReauthRequiredException(credential.userId);
        }
        throw error;
      });
    }
    return octokit;
  }
}
