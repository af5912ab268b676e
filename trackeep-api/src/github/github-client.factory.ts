import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Octokit } from '@octokit/rest';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import type { RepoPermission } from '@trackeep/contracts';
import { DataSource } from 'typeorm';
import { AuthSettings } from '../auth/auth-settings';
import { UsersService } from '../auth/users.service';
import { GithubRateLimitService } from './github-rate-limit.service';
import { GithubReauthRequiredException } from './github-reauth-required.exception';
import { MetricsService } from '../metrics/metrics.service';

const TrackeepOctokitClass = Octokit.plugin(throttling, retry);
/** Octokit REST + GraphQL with the throttling and retry plugins, authenticated as one user. */
export type TrackeepOctokit = InstanceType<typeof TrackeepOctokitClass>;

export interface GithubClientOptions {
  /**
   * `interactive` (default, a person waits for the answer): give up on a primary rate limit at once and
   * retry a secondary limit only briefly. `background` (sync, hook registration): wait out limits up to
   * `maxWaitSeconds` and retry server errors more.
   */
  mode?: 'interactive' | 'background';
  /** Longest Retry-After the background mode waits for (default 15 minutes). */
  maxWaitSeconds?: number;
}

const PERMISSION_RANK: Record<RepoPermission, number> = {
  pull: 1,
  triage: 2,
  push: 3,
  maintain: 4,
  admin: 5,
};
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * Builds per-user GitHub clients: token decrypted from the database, base URL from GITHUB_API_URL, primary
 * and secondary rate limits handled (Retry-After honoured), transient errors retried, x-ratelimit-* headers
 * recorded. A 401 from GitHub flags the user for sign-in and surfaces as GithubReauthRequiredException
 * (HTTP 401 `github_reauth_required`).
 */
@Injectable()
export class GithubClientFactory {
  private readonly logger = new Logger(GithubClientFactory.name);

  constructor(
    private readonly settings: AuthSettings,
    private readonly users: UsersService,
    private readonly rateLimits: GithubRateLimitService,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly metrics: MetricsService,
  ) {}

  /** A client acting as `userId`; throws GithubReauthRequiredException when there is no usable token. */
  async forUser(userId: string, options: GithubClientOptions = {}): Promise<TrackeepOctokit> {
    const token = await this.users.githubToken(userId);
    if (!token) throw new GithubReauthRequiredException(userId);
    return this.build(userId, token, options);
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
    const candidates = (await this.dataSource.query(
      `SELECT a.user_id, a.permission FROM tracked_repos t
         JOIN repo_access a ON a.user_id = t.user_id AND a.repo_id = t.repo_id
         JOIN users u ON u.id = t.user_id
       WHERE t.repo_id = $1 AND NOT u.reauth_required AND u.github_token_enc IS NOT NULL
       ORDER BY a.checked_at DESC`,
      [repoId],
    )) as Array<{ user_id: string; permission: RepoPermission }>;
    const ranked = candidates
      .filter((c) => PERMISSION_RANK[c.permission] >= min)
      .sort((a, b) => PERMISSION_RANK[b.permission] - PERMISSION_RANK[a.permission]);
    for (const { user_id: userId } of ranked) {
      const token = await this.users.githubToken(userId);
      if (token) return { userId, octokit: this.build(userId, token, { mode: 'background', ...options }) };
    }
    return null;
  }

  private build(userId: string, token: string, options: GithubClientOptions): TrackeepOctokit {
    const background = options.mode === 'background';
    const maxWait = options.maxWaitSeconds ?? 15 * 60;
    const logger = this.logger;
    const octokit = new TrackeepOctokitClass({
      auth: token,
      baseUrl: this.settings.githubApiUrl,
      userAgent: 'trackeep',
      request: { fetch: fetchWithTimeout },
      log: {
        debug: () => undefined,
        info: () => undefined,
        warn: (message: string) => logger.warn(message),
        error: (message: string) => logger.error(message),
      },
      throttle: {
        // Per-user limiter groups: one user's limits never slow another's requests.
        id: userId,
        onRateLimit: (
          retryAfter: number,
          request: { method: string; url: string },
          _octokit: unknown,
          retryCount: number,
        ) => {
          logger.warn(
            `user ${userId}: primary rate limit on ${request.method} ${request.url}, resets in ${retryAfter}s`,
          );
          return background && retryCount < 1 && retryAfter <= maxWait;
        },
        onSecondaryRateLimit: (
          retryAfter: number,
          request: { method: string; url: string },
          _octokit: unknown,
          retryCount: number,
        ) => {
          logger.warn(
            `user ${userId}: secondary rate limit on ${request.method} ${request.url}, retry after ${retryAfter}s`,
          );
          return background ? retryCount < 3 && retryAfter <= maxWait : retryCount < 1 && retryAfter <= 5;
        },
      },
      retry: { retries: background ? 3 : 1, doNotRetry: [304, 400, 401, 403, 404, 409, 410, 422, 429, 451] },
    });

    // GitHub requests, GraphQL points and rate-limit remaining, for /metrics.
    this.metrics.instrumentOctokit(octokit);
    octokit.hook.after('request', async (response) => {
      await this.rateLimits.record(userId, response.headers as Record<string, string>);
    });
    octokit.hook.error('request', async (error) => {
      const err = error as Error & { status?: number; response?: { headers?: Record<string, string> } };
      await this.rateLimits.record(userId, err.response?.headers).catch(() => undefined);
      if (err.status === 401) {
        logger.warn(`user ${userId}: GitHub answered 401; flagging the user to sign in again`);
        await this.users.markReauthRequired(userId);
        throw new GithubReauthRequiredException(userId);
      }
      throw error;
    });
    return octokit;
  }
}

function fetchWithTimeout(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  return fetch(input, { ...init, signal: init?.signal ?? AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
}
