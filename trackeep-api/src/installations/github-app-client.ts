import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/rest';
import type { GithubAppCredentials } from './github-app-settings';

/** An Octokit acting as the App (JWT) or as one installation (its token): REST with pagination. */
export type GithubAppOctokit = InstanceType<typeof Octokit>;

/**
 * The App's own client: @octokit/auth-app signs the JWT (and retries once on GitHub's clock-skew answer). The
 * installation tokens it can create are cached by InstallationTokenService in PostgreSQL, not here.
 */
export function createAppOctokit(
  app: GithubAppCredentials,
  baseUrl: string,
  timeoutMs: number,
): GithubAppOctokit {
  return new Octokit({
    authStrategy: createAppAuth,
    auth: { appId: app.appId, privateKey: app.privateKey },
    ...common(baseUrl, timeoutMs),
  });
}

function common(baseUrl: string, timeoutMs: number) {
  return {
    baseUrl: baseUrl.replace(/\/+$/, ''),
    userAgent: 'trackeep',
    request: {
      fetch: (input: string | URL | Request, init?: RequestInit) =>
        fetch(input, { ...init, signal: init?.signal ?? AbortSignal.timeout(timeoutMs) }),
    },
    log: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
  };
}

/** HTTP status of an Octokit RequestError, or undefined when GitHub did not answer. */
export function statusOf(err: unknown): number | undefined {
  const status = (err as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

/** GitHub's error message, without anything from the request (Octokit's message never holds the token). */
export function githubMessage(err: unknown): string {
  const data = (err as { response?: { data?: { message?: unknown } } } | null)?.response?.data;
  if (typeof data?.message === 'string') return data.message.slice(0, 200);
  return ((err as Error)?.message ?? String(err)).slice(0, 200);
}

/** GitHub's primary or secondary rate limit (403/429 with no budget left, a Retry-After, or its message). */
export function isRateLimited(err: unknown): boolean {
  const headers =
    (err as { response?: { headers?: Record<string, unknown> } } | null)?.response?.headers ?? {};
  return (
    statusOf(err) === 429 ||
    String(headers['x-ratelimit-remaining']) === '0' ||
    headers['retry-after'] !== undefined ||
    /rate limit/i.test(githubMessage(err))
  );
}
