import { Injectable, Logger } from '@nestjs/common';
import type { RepoPermission } from '@trackeep/contracts';
import { GithubClientFactory, type TrackeepOctokit } from '../github/github-client.factory';
import { GithubEtagCache } from '../github/github-etag-cache.service';
import { GithubReauthRequiredException } from '../github/github-reauth-required.exception';
import { ApiEnv } from '../config/api-env';
import { RepoAccessRepository } from './repo-access.repository';
import { highestPermission } from './repo-permission.util';

/**
 * What asking GitHub gave: `granted` (200/304 with read), `revoked` (404 twice, or 200 without read: the row is gone),
 * `inconclusive` (rate limit, SSO 403, 5xx, timeout: the previous answer stands), `reauth` (401: the token is dead).
 */
export type AccessVerdict = 'granted' | 'revoked' | 'inconclusive' | 'reauth';

export interface AccessTarget {
  repoId: string;
  fullName: string;
}

interface GithubRepoAccess {
  permissions?: Partial<Record<RepoPermission, boolean>>;
}

/** After an inconclusive answer (GitHub limited or failing), a person's requests do not ask again before this. */
const INCONCLUSIVE_BACKOFF_MS = 30_000;
const BACKOFF_ENTRIES_KEPT = 10_000;

/**
 * Asks GitHub, with the person's own token, whether they can still read a repository: a conditional
 * `GET /repos/{owner}/{repo}` through the ETag cache, so an unchanged answer is a 304 that costs no rate limit.
 * Only evidence revokes (a 404 seen twice under a working token, or permissions without read); GitHub's
 * failures keep the previous answer.
 * Checks of the same user and repository running at once share one request.
 */
@Injectable()
export class RepoAccessCheckService {
  private readonly logger = new Logger(RepoAccessCheckService.name);
  private readonly inFlight = new Map<string, Promise<AccessVerdict>>();
  private readonly backoffUntil = new Map<string, number>();

  constructor(
    private readonly env: ApiEnv,
    private readonly clients: GithubClientFactory,
    private readonly etags: GithubEtagCache,
    private readonly store: RepoAccessRepository,
  ) {}

  /** How old a check may be before the next use asks GitHub again. */
  get windowMs(): number {
    return this.env.ACCESS_RECHECK_SECONDS * 1000;
  }

  /** Is this row's answer too old? (public repositories are readable by everyone and never re-checked) */
  isStale(row: { visibility: string; checkedAt: Date }, now = Date.now()): boolean {
    return row.visibility !== 'public' && now - row.checkedAt.getTime() >= this.windowMs;
  }

  /**
   * Asks GitHub now (or joins the check already under way). Unless `force`, a recent inconclusive answer is
   * reused instead of asking a limited or failing GitHub on every request.
   */
  check(userId: string, target: AccessTarget, options: { force?: boolean } = {}): Promise<AccessVerdict> {
    const key = `${userId}:${target.repoId}`;
    const running = this.inFlight.get(key);
    if (running) return running;
    if (!options.force && (this.backoffUntil.get(key) ?? 0) > Date.now())
      return Promise.resolve('inconclusive');
    const check = this.ask(userId, target)
      .then((verdict) => {
        if (verdict === 'inconclusive') {
          if (this.backoffUntil.size > BACKOFF_ENTRIES_KEPT) this.backoffUntil.clear();
          this.backoffUntil.set(key, Date.now() + Math.min(INCONCLUSIVE_BACKOFF_MS, this.windowMs));
        } else this.backoffUntil.delete(key);
        return verdict;
      })
      .finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, check);
    return check;
  }

  private async ask(userId: string, target: AccessTarget): Promise<AccessVerdict> {
    const [owner, name] = target.fullName.split('/');
    if (!owner || !name) return 'inconclusive';
    try {
      const octokit = await this.clients.forUser(userId);
      const path = `/repos/${encodeURIComponent(owner)}/${encodeURIComponent(name)}`;
      let data: GithubRepoAccess;
      try {
        data = (await this.etags.get<GithubRepoAccess>(userId, octokit, path)).data;
      } catch (err) {
        if ((err as { status?: number }).status !== 404) throw err;
        data = await this.confirmNotFound(octokit, path);
      }
      const permissions = data.permissions;
      // A 200 without a permissions object still shows the repository to this token.
      if (permissions && !Object.values(permissions).some(Boolean)) {
        await this.store.revoke(userId, target.repoId);
        this.logger.log(
          `user ${userId} no longer reads ${target.fullName} (GitHub grants no read permission)`,
        );
        return 'revoked';
      }
      await this.store.confirm(userId, target.repoId, highestPermission(permissions));
      return 'granted';
    } catch (err) {
      if (err instanceof GithubReauthRequiredException) return 'reauth';
      const status = (err as { status?: number }).status;
      if (status === 404 && (err as { confirmed?: boolean }).confirmed) {
        await this.store.revoke(userId, target.repoId);
        this.logger.log(`user ${userId} no longer reads ${target.fullName} (GitHub answers 404, twice)`);
        return 'revoked';
      }
      this.logger.warn(
        `access re-check of ${target.fullName} for user ${userId} was inconclusive (${describe(err)}); keeping the previous answer`,
      );
      return 'inconclusive';
    }
  }

  /**
   * A 404 is evidence only when the token still works for other calls (`GET /rate_limit`, which costs nothing)
   * and a second, unconditional request says 404 again. Returns the repository when the second one finds it;
   * throws the 404 marked `confirmed` when it does not, and any other failure as it is (inconclusive).
   */
  private async confirmNotFound(octokit: TrackeepOctokit, path: string): Promise<GithubRepoAccess> {
    await octokit.request('GET /rate_limit');
    try {
      return (await octokit.request(`GET ${path}`)).data as GithubRepoAccess;
    } catch (err) {
      if ((err as { status?: number }).status === 404) Object.assign(err as object, { confirmed: true });
      throw err;
    }
  }
}

/** A short reason for the log: status and GitHub's own hint, never a header that could carry a token. */
function describe(err: unknown): string {
  const e = err as {
    status?: number;
    name?: string;
    message?: string;
    response?: { headers?: Record<string, string> };
  };
  const headers = e.response?.headers ?? {};
  if (e.status === 403 && headers['x-github-sso']) return 'SSO authorization required (403 X-GitHub-SSO)';
  if (
    (e.status === 403 || e.status === 429) &&
    (headers['x-ratelimit-remaining'] === '0' || headers['retry-after'])
  )
    return `rate limited (${e.status})`;
  if (e.status) return `GitHub answered ${e.status}`;
  return e.name === 'TimeoutError' || e.name === 'AbortError'
    ? 'timed out'
    : (e.message ?? 'request failed').slice(0, 200);
}
