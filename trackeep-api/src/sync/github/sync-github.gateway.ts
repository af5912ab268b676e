import type { GithubEtagCache } from '../../github/github-etag-cache.service';
import { readJsonBody, type GithubRequester } from '../../github/github-octokit';
import { costOf } from './sync-graphql-cost.util';
import type { GqlError, GqlRateLimit } from './sync-graphql.types';
import type { CredentialLimits, Resource } from './credential-limits';
import {
  asHttpError,
  CredentialRejectedError,
  isGraphqlTimeout,
  isRateLimitedGraphql,
  orgPolicyBlockOf,
  RateLimitPausedError,
  SECONDARY_LIMIT_RE,
  TransientGithubError,
  type HttpErrorLike,
} from './sync-github.errors';

/** The part of an Octokit instance the sync uses. Any Octokit (with or without plugins) fits. */
export type OctokitLike = GithubRequester;

/** GitHub spending of one sync run, as the sync_runs row reports it. */
export class SyncMeter {
  graphqlPoints = 0;
  graphqlQueries = 0;
  restRequests = 0;
  notModified = 0;
  /** Points per stream: each query's cost split by each stream's share of its requests (GitHub's cost rule). */
  readonly pointsByStream: Record<string, number> = {};

  attribute(cost: number, requestsByStream: Record<string, number>): void {
    const total = Object.values(requestsByStream).reduce((a, b) => a + b, 0);
    for (const [stream, requests] of Object.entries(requestsByStream)) {
      if (total <= 0 || requests <= 0) continue;
      this.pointsByStream[stream] = (this.pointsByStream[stream] ?? 0) + (cost * requests) / total;
    }
  }
}

export interface GatewayOptions {
  client: OctokitLike;
  /** The user whose token the client carries (github_etags and github_rate_limits are keyed by it). */
  credential: string;
  graphqlUrl: string;
  /** The shared ETag cache (the same one every other caller uses). */
  etags: GithubEtagCache;
  limits: CredentialLimits;
  meter: SyncMeter;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Secondary-limit retries before giving up on a request. */
  maxSecondaryRetries?: number;
}

export interface ConditionalResult<T> {
  status: 200 | 304 | 404 | 403 | 410 | 451;
  /** The fresh body (200) or the body stored with the ETag (304). */
  data: T | null;
}

const UNAVAILABLE = new Set([403, 404, 410, 451]);

/**
 * Every GitHub call of the sync goes through here: the credential's reserve is checked before spending,
 * calls are paced under the secondary limits, secondary limits are waited out (Retry-After, or at least
 * 60 s with jitter), primary exhaustion pauses the run, budgets and costs are recorded, and REST reads
 * are conditional on the ETag stored for this credential (a 304 costs nothing).
 */
export class SyncGithubGateway {
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(private readonly o: GatewayOptions) {
    this.sleep = o.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.random = o.random ?? Math.random;
  }

  get meter(): SyncMeter {
    return this.o.meter;
  }

  get credential(): string {
    return this.o.credential;
  }

  /** Throws RateLimitPausedError when this credential should not spend `points` GraphQL points now. */
  async checkBudget(resource: Resource, amount: number): Promise<void> {
    await this.o.limits.refresh();
    const until = this.o.limits.pauseUntil(resource, amount);
    if (until)
      throw new RateLimitPausedError(resource, until, this.o.limits.budget(resource)?.remaining ?? 0);
  }

  /**
   * One GraphQL query. `requests` is the query's request count by GitHub's rule, either in total or per
   * stream (for the per-stream attribution of its cost).
   */
  async graphql<T>(
    query: string,
    variables: Record<string, unknown>,
    requests: number | Record<string, number>,
  ): Promise<{ data: T | null; errors: GqlError[]; headers: Record<string, string | number | undefined> }> {
    const byStream = typeof requests === 'number' ? { other: requests } : requests;
    const estimate = costOf(Object.values(byStream).reduce((a, b) => a + b, 0));
    for (let secondary = 0; ; secondary++) {
      await this.checkBudget('graphql', estimate);
      await this.o.limits.graphqlMinute.take(estimate, this.sleep);
      const release = await this.o.limits.slots.acquire();
      let response: Awaited<ReturnType<OctokitLike['request']>>;
      try {
        // Retries of 5xx are ours (smaller pages), not the retry plugin's (same page again). The body is
        // serialised here and parsed by the adapter natively: Octokit's bigint-safe JSON is several times
        // slower on big pages.
        response = await this.o.client.request(`POST ${this.o.graphqlUrl}`, {
          data: JSON.stringify({ query, variables }),
          headers: { 'content-type': 'application/json; charset=utf-8' },
          request: { retries: 0 },
        });
        response = { ...response, data: await readJsonBody(response.data) };
      } catch (err) {
        const e = asHttpError(err);
        if (await this.handleLimit(e, 'graphql', secondary)) continue;
        throw (
          orgPolicyBlockOf(e.status, e.response?.headers, e.response?.data) ?? this.classify(e, 'graphql')
        );
      } finally {
        release();
      }
      const body = (response.data ?? {}) as {
        data?: T & { rateLimit?: GqlRateLimit | null };
        errors?: GqlError[];
      };
      if (isRateLimitedGraphql(body)) {
        await this.exhausted('graphql', response.headers);
        continue;
      }
      const rate = body.data?.rateLimit;
      const cost = rate?.cost ?? estimate;
      this.o.meter.graphqlPoints += cost;
      this.o.meter.graphqlQueries++;
      this.o.meter.attribute(cost, byStream);
      if (cost !== estimate) this.o.limits.graphqlMinute.adjustLast(cost - estimate);
      if (rate) {
        await this.o.limits.observe('graphql', {
          limit: rate.limit,
          remaining: rate.remaining,
          resetAt: new Date(rate.resetAt),
        });
      } else {
        await this.observeHeaders('graphql', response.headers);
      }
      const errors = body.errors ?? [];
      // GitHub answers a query that timed out with 200, `data: null` and "Something went wrong": a smaller page helps.
      if (!body.data && isGraphqlTimeout(body))
        throw new TransientGithubError(`GraphQL: ${errors[0]?.message ?? 'timeout'}`, 200);
      return { data: body.data ?? null, errors, headers: response.headers };
    }
  }

  /** Refreshes both budgets from GET /rate_limit, which GitHub does not count against either. */
  async probeRateLimit(): Promise<void> {
    const res = await this.o.client.request('GET /rate_limit');
    const resources =
      (res.data as { resources?: Record<string, { limit: number; remaining: number; reset: number }> })
        .resources ?? {};
    for (const resource of ['core', 'graphql'] as const) {
      const r = resources[resource];
      if (r)
        await this.o.limits.observe(
          resource,
          { limit: r.limit, remaining: r.remaining, resetAt: new Date(r.reset * 1000) },
          true,
        );
    }
  }

  /**
   * A REST GET conditional on the stored ETag. 304 returns the stored body and costs nothing. `remember: false`
   * for a page read once (a backfill's): asked unconditionally, its answer not stored.
   */
  async getConditional<T>(path: string, remember = true): Promise<ConditionalResult<T>> {
    let askedUnconditionally = false;
    for (let secondary = 0; ; secondary++) {
      await this.checkBudget('core', 1);
      await this.o.limits.restMinute.take(1, this.sleep);
      const release = await this.o.limits.slots.acquire();
      try {
        const res = await this.o.etags.get<T>(this.o.credential, this.o.client, path, { remember });
        if (res.notModified) this.o.meter.notModified++;
        else this.o.meter.restRequests++;
        await this.observeHeaders('core', res.headers);
        return { status: res.notModified ? 304 : 200, data: res.data };
      } catch (err) {
        const e = asHttpError(err);
        if (e.status === 304 && !askedUnconditionally) {
          // A 304 without a stored body cannot be used: ask again unconditionally.
          this.o.meter.notModified++;
          askedUnconditionally = true;
          await this.o.etags.forget(this.o.credential, path);
          continue;
        }
        if (await this.handleLimit(e, 'core', secondary)) continue;
        const block = orgPolicyBlockOf(e.status, e.response?.headers, e.response?.data);
        if (block) {
          this.o.meter.restRequests++;
          throw block;
        }
        if (e.status && UNAVAILABLE.has(e.status)) {
          this.o.meter.restRequests++;
          return { status: e.status as ConditionalResult<T>['status'], data: null };
        }
        throw this.classify(e, 'core');
      } finally {
        release();
      }
    }
  }

  /**
   * Whether the credential still works for calls other than the one that failed: GET /rate_limit answers
   * (and costs nothing). A 401 means the token itself is gone; any other failure proves nothing either way.
   */
  async credentialWorks(): Promise<boolean> {
    try {
      await this.probeRateLimit();
      return true;
    } catch (err) {
      const e = asHttpError(err);
      if (e.status === 401) throw new CredentialRejectedError(this.o.credential);
      return false;
    }
  }

  /** Waits out a secondary limit (true: try again) or turns a primary limit into a pause (throws). */
  private async handleLimit(e: HttpErrorLike, resource: Resource, attempt: number): Promise<boolean> {
    const graphqlLimited = isRateLimitedGraphql(e.response?.data);
    if (e.status !== 403 && e.status !== 429 && !graphqlLimited) return false;
    const headers = e.response?.headers ?? {};
    const primary = graphqlLimited || String(headers['x-ratelimit-remaining']) === '0';
    // Secondary: GitHub's message says so, or Retry-After / a 429 without the primary budget being spent.
    const secondary =
      SECONDARY_LIMIT_RE.test(e.message) ||
      (!primary && (headers['retry-after'] !== undefined || e.status === 429));
    if (secondary) {
      if (attempt >= (this.o.maxSecondaryRetries ?? 5))
        throw new TransientGithubError(`secondary rate limit persisted: ${e.message}`, e.status ?? 403);
      const retryAfter = Number(headers['retry-after']);
      // With Retry-After: that long plus a little jitter. Without: at least a minute, jittered, doubling.
      const ms =
        Number.isFinite(retryAfter) && retryAfter >= 0
          ? retryAfter * 1000 + Math.round(this.random() * 1000)
          : 60_000 * 2 ** Math.min(attempt, 3) + Math.round(this.random() * 30_000);
      await this.sleep(ms);
      return true;
    }
    if (primary) await this.exhausted(resource, headers);
    return false;
  }

  private async exhausted(
    resource: Resource,
    headers: Record<string, string | number | undefined> | undefined,
  ): Promise<never> {
    const reset = Number(headers?.['x-ratelimit-reset']);
    const limit = Number(headers?.['x-ratelimit-limit']);
    const resetAt =
      Number.isFinite(reset) && reset > 0 ? new Date(reset * 1000) : new Date(Date.now() + 3600_000);
    const known = this.o.limits.budget(resource);
    await this.o.limits.observe(resource, {
      limit: Number.isFinite(limit) && limit > 0 ? limit : (known?.limit ?? 5000),
      remaining: 0,
      resetAt,
    });
    throw new RateLimitPausedError(resource, resetAt, 0);
  }

  private classify(e: HttpErrorLike, resource: Resource): Error {
    if (e.status === 401) return new CredentialRejectedError(this.o.credential);
    if (
      e.status === undefined ||
      e.status === 500 ||
      e.status >= 502 ||
      e.name === 'AbortError' ||
      e.name === 'TimeoutError' ||
      e.code === 'ECONNRESET'
    ) {
      return new TransientGithubError(
        `${resource === 'graphql' ? 'GraphQL' : 'REST'} request failed: ${e.status ?? ''} ${e.message}`.trim(),
        e.status ?? null,
      );
    }
    return e instanceof Error ? e : new Error(e.message);
  }

  private async observeHeaders(
    fallback: Resource,
    headers: Record<string, string | number | undefined> | undefined,
  ): Promise<void> {
    const limit = Number(headers?.['x-ratelimit-limit']);
    const remaining = Number(headers?.['x-ratelimit-remaining']);
    const reset = Number(headers?.['x-ratelimit-reset']);
    if (![limit, remaining, reset].every(Number.isFinite)) return;
    const named = String(headers?.['x-ratelimit-resource'] ?? fallback);
    const resource: Resource = named === 'graphql' ? 'graphql' : named === 'core' ? 'core' : fallback;
    if (named !== resource) return;
    await this.o.limits.observe(resource, { limit, remaining, resetAt: new Date(reset * 1000) });
  }
}
