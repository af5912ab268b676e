import { Logger } from '@nestjs/common';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import Bottleneck from 'bottleneck';
import type { MetricsService } from '../metrics/metrics.service';
import type { GithubRateLimitService } from './github-rate-limit.service';

const GithubOctokitClass = Octokit.plugin(throttling, retry);
/** Octokit REST + GraphQL with the throttling and retry plugins, acting as one credential. */
export type TrackeepOctokit = InstanceType<typeof GithubOctokitClass>;

type Headers = Record<string, string | number | undefined>;

/** The part of an Octokit the ETag cache and the sync use, so a test can stand in a scripted GitHub. */
export interface GithubRequester {
  request(
    route: string,
    params?: Record<string, unknown>,
  ): Promise<{ status: number; headers: Headers; data: unknown }>;
}

/**
 * Who a call acts as: a user's OAuth token, or a GitHub App installation's token (created and cached by
 * installations/, with @octokit/auth-app).
 */
export type GithubCredential =
  | { kind: 'user'; userId: string; token: string }
  | { kind: 'installation'; installationId: number; token: string };

/**
 * A non-secret id of the credential: keys github_etags and github_rate_limits (users only: both are keyed by
 * user), labels metrics.
 */
export function credentialId(credential: GithubCredential): string {
  return credential.kind === 'user' ? credential.userId : installationCredentialId(credential.installationId);
}

export function installationCredentialId(installationId: number): string {
  return `installation:${installationId}`;
}

function authOptions(credential: GithubCredential): { auth: string } {
  return { auth: credential.token };
}

/**
 * - `interactive` (a person waits): give up on a primary rate limit at once, retry a secondary limit briefly.
 * - `background` (hook registration): wait out limits up to `maxWaitSeconds`, retry server errors more.
 * - `paced` (sync): never wait out a limit here, because the caller paces itself, pauses on a primary limit and
 *   retries a secondary one with jitter; GraphQL runs as concurrently as REST (the throttling plugin would
 *   serialise it as a write, one a second, which makes a backfill take hours).
 */
export type GithubClientMode = 'interactive' | 'background' | 'paced';

export interface GithubOctokitOptions {
  credential: GithubCredential;
  baseUrl: string;
  timeoutMs: number;
  mode: GithubClientMode;
  /** Background: longest Retry-After waited for (default 15 minutes). */
  maxWaitSeconds?: number;
  /** Paced: concurrent requests per credential in this process (default 4). */
  maxConcurrent?: number;
  /** Counts every request, its status and points in /metrics. */
  metrics?: MetricsService;
  /** Records the x-ratelimit-* headers of every answer in the shared rate-limit store. */
  rateLimits?: GithubRateLimitService;
}

const DO_NOT_RETRY = [304, 400, 401, 403, 404, 409, 410, 422, 429, 451];
const logger = new Logger('GithubClient');

/** Builds the one kind of GitHub client every caller uses. */
export function createGithubOctokit(o: GithubOctokitOptions): TrackeepOctokit {
  const id = credentialId(o.credential);
  const paced = o.mode === 'paced';
  const background = o.mode === 'background';
  const maxWait = o.maxWaitSeconds ?? 15 * 60;
  const timeoutMs = o.timeoutMs;
  const octokit = new GithubOctokitClass({
    ...authOptions(o.credential),
    baseUrl: o.baseUrl.replace(/\/+$/, ''),
    userAgent: 'trackeep',
    request: {
      fetch: (input: string | URL | Request, init?: RequestInit) =>
        fetch(input, { ...init, signal: init?.signal ?? AbortSignal.timeout(timeoutMs) }),
    },
    // Every request is logged once, by status, below; the request-log plugin's lines (a 304 at error) are not.
    log: {
      debug: () => undefined,
      info: () => undefined,
      warn: (message: string) => logger.warn(message),
      error: () => undefined,
    },
    throttle: paced
      ? pacedThrottle(id, o.maxConcurrent ?? 4)
      : {
          // Per-credential limiter groups: one user's limits never slow another's requests.
          id,
          onRateLimit: (retryAfter: number, request: Route, _octokit: unknown, retryCount: number) => {
            logger.warn(
              `credential ${id}: primary rate limit on ${request.method} ${request.url}, resets in ${retryAfter}s`,
            );
            return background && retryCount < 1 && retryAfter <= maxWait;
          },
          onSecondaryRateLimit: (
            retryAfter: number,
            request: Route,
            _octokit: unknown,
            retryCount: number,
          ) => {
            logger.warn(
              `credential ${id}: secondary rate limit on ${request.method} ${request.url}, retry after ${retryAfter}s`,
            );
            return background ? retryCount < 3 && retryAfter <= maxWait : retryCount < 1 && retryAfter <= 5;
          },
        },
    retry: { retries: o.mode === 'interactive' ? 1 : 3, doNotRetry: DO_NOT_RETRY },
  });

  // GraphQL bodies are parsed natively (Octokit's bigint-safe JSON is several times slower on big pages),
  // before the metrics hook reads the query's cost from them. The flag is set on `options` itself: the hooks
  // inside this one (throttling, retry) were bound to that object and ignore one passed to `request`.
  octokit.hook.wrap('request', async (request, options) => {
    if (!isGraphql(options.url)) return request(options);
    options.request = { ...options.request, parseSuccessResponseBody: false };
    const response = await request(options);
    return { ...response, data: await readJsonBody(response.data) };
  });
  o.metrics?.instrumentOctokit(octokit);
  const rateLimits = o.rateLimits;
  if (rateLimits) {
    // Best effort: a database hiccup while recording must not turn GitHub's answer into a failure.
    octokit.hook.after('request', async (response) => {
      await rateLimits.recordHeaders(id, response.headers as Headers).catch(() => undefined);
    });
    octokit.hook.error('request', async (error) => {
      const headers = (error as { response?: { headers?: Headers } }).response?.headers;
      await rateLimits.recordHeaders(id, headers).catch(() => undefined);
      throw error;
    });
  }
  octokit.hook.wrap('request', async (request, options) => {
    const started = Date.now();
    const { method, url } = octokit.request.endpoint.parse(options);
    const what = `${method} ${pathOf(url)}`;
    try {
      const response = await request(options);
      logger.debug(`${what} - ${response.status} in ${Date.now() - started}ms`);
      return response;
    } catch (err) {
      const status = (err as { status?: number }).status;
      // 304 (cache hit) and other 4xx are answers the caller acts on; only 5xx and no answer are trouble.
      const line = `${what} - ${status ?? (err as Error).message} in ${Date.now() - started}ms`;
      if (status !== undefined && status < 500) logger.debug(line);
      else logger.warn(line);
      throw err;
    }
  });
  return octokit;
}

type Route = { method: string; url: string };
type ThrottleOptions = ConstructorParameters<typeof GithubOctokitClass>[0] extends { throttle?: infer T }
  ? T
  : never;

/** Limiter groups per concurrency setting, shared by every paced client of the process. */
const pacedGroups = new Map<number, { global: Bottleneck.Group; write: Bottleneck.Group }>();

function pacedThrottle(id: string, maxConcurrent: number): ThrottleOptions {
  let groups = pacedGroups.get(maxConcurrent);
  if (!groups) {
    groups = {
      global: new Bottleneck.Group({
        id: `trackeep-paced-global-${maxConcurrent}`,
        maxConcurrent,
        timeout: 120_000,
      }),
      write: new Bottleneck.Group({
        id: `trackeep-paced-graphql-${maxConcurrent}`,
        maxConcurrent,
        minTime: 0,
        timeout: 120_000,
      }),
    };
    pacedGroups.set(maxConcurrent, groups);
  }
  // `global` and `write` are accepted by the plugin (it falls back to its own groups) but not typed.
  return {
    id,
    ...groups,
    onRateLimit: () => false,
    onSecondaryRateLimit: () => false,
  } as ThrottleOptions;
}

function isGraphql(url: string | undefined): boolean {
  return !!url && /\/graphql$/.test(url.split('?')[0] ?? '');
}

function pathOf(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.pathname}${parsed.search}`;
  } catch {
    return url;
  }
}

/** A response body as Octokit hands it over with parseSuccessResponseBody: false (a stream), or already parsed. */
export async function readJsonBody(data: unknown): Promise<unknown> {
  if (data === null || data === undefined) return null;
  if (typeof data === 'string') return data ? JSON.parse(data) : null;
  if (typeof (data as ReadableStream).getReader === 'function') {
    const text = await new Response(data as ReadableStream).text();
    return text ? JSON.parse(text) : null;
  }
  return data;
}
