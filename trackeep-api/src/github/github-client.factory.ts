import { Injectable, Logger } from '@nestjs/common';
import { GithubTokenUnavailableException } from '../auth/github-token-unavailable.exception';
import { UsersService } from '../auth/users.service';
import { MetricsService } from '../metrics/metrics.service';
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
    private readonly metrics: MetricsService,
  ) {}

  /** A client acting as `userId`; throws GithubReauthRequiredException when there is no usable token. */
  async forUser(userId: string, options: GithubClientOptions = {}): Promise<TrackeepOctokit> {
    const token = await this.users.githubToken(userId);
    if (!token) throw new GithubReauthRequiredException(userId);
    return this.build({ kind: 'user', userId, token }, options);
  }

  /**
   * A client acting as `userId`, or null when they have no usable token (signed out, or asked to sign in
   * again). Throws GithubTokenUnavailableException when an expired token cannot be refreshed just now.
   */
  async forUserIfUsable(userId: string, options: GithubClientOptions = {}): Promise<TrackeepOctokit | null> {
    const token = await this.users.githubToken(userId);
    return token ? this.build({ kind: 'user', userId, token }, options) : null;
  }

  /** A client acting as a GitHub App installation with a token installations/ handed out; 401s are the caller's. */
  forInstallation(installationId: number, token: string, options: GithubClientOptions = {}): TrackeepOctokit {
    return this.build({ kind: 'installation', installationId, token }, options);
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
    if (mode !== 'paced' && credential.kind === 'user') {
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
