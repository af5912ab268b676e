import { Octokit } from '@octokit/core';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import Bottleneck from 'bottleneck';
import type { OctokitLike } from './sync-github.gateway';

const SyncOctokitClass = Octokit.plugin(throttling, retry);

const REQUEST_TIMEOUT_MS = 30_000;

/**
 * The throttling plugin treats every GraphQL call as a write (one at a time, one per second per token),
 * which would make a backfill take hours. Sync only reads, so GraphQL gets the same per-token concurrency
 * as REST; the gateway paces points per minute under GitHub's secondary limit itself.
 */
const groups = new Map<number, { global: Bottleneck.Group; write: Bottleneck.Group }>();
function limiterGroups(maxConcurrent: number) {
  let g = groups.get(maxConcurrent);
  if (!g) {
    g = {
      global: new Bottleneck.Group({
        id: `trackeep-sync-global-${maxConcurrent}`,
        maxConcurrent,
        timeout: 120_000,
      }),
      write: new Bottleneck.Group({
        id: `trackeep-sync-graphql-${maxConcurrent}`,
        maxConcurrent,
        minTime: 0,
        timeout: 120_000,
      }),
    };
    groups.set(maxConcurrent, g);
  }
  return g;
}

export interface SyncOctokitOptions {
  token: string;
  baseUrl: string;
  /** Limiter key: one per token (the user id). */
  credential: string;
  maxConcurrent: number;
  /** Called with every response's headers (rate-limit bookkeeping). */
  onHeaders?: (headers: Record<string, string | number | undefined>) => void;
}

/**
 * An Octokit for background sync: throttling and retry plugins, but limits are not waited out here —
 * a primary limit pauses the run and a secondary limit is retried by SyncGithubGateway with jitter.
 * REST 5xx and network errors are retried by the retry plugin; GraphQL 5xx by the gateway with a
 * smaller page.
 */
export function buildSyncOctokit(o: SyncOctokitOptions): OctokitLike {
  const { global, write } = limiterGroups(o.maxConcurrent);
  const octokit = new SyncOctokitClass({
    auth: o.token,
    baseUrl: o.baseUrl.replace(/\/+$/, ''),
    userAgent: 'trackeep-sync',
    request: { fetch: fetchWithTimeout },
    log: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    // `global` and `write` are accepted by the plugin (it falls back to its own groups) but not typed.
    throttle: {
      id: o.credential,
      global,
      write,
      onRateLimit: () => false,
      onSecondaryRateLimit: () => false,
    } as ConstructorParameters<typeof SyncOctokitClass>[0] extends { throttle?: infer T } ? T : never,
    retry: { retries: 3, doNotRetry: [304, 400, 401, 403, 404, 409, 410, 422, 429, 451] },
  });
  if (o.onHeaders) {
    const onHeaders = o.onHeaders;
    octokit.hook.after('request', (response) => onHeaders(response.headers as Record<string, string>));
  }
  return octokit as unknown as OctokitLike;
}

/** GitHub's GraphQL endpoint for a REST base URL (github.com: /graphql; GHES: /api/v3 -> /api/graphql). */
export function graphqlUrlFor(baseUrl: string): string {
  const base = baseUrl.replace(/\/+$/, '');
  return /\/api\/v3$/.test(base) ? base.replace(/\/api\/v3$/, '/api/graphql') : `${base}/graphql`;
}

function fetchWithTimeout(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  return fetch(input, { ...init, signal: init?.signal ?? AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
}
