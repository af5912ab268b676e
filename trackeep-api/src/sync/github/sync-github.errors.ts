/** The credential's primary budget is (nearly) spent: stop, keep the cursors, resume after `resumeAt`. */
export class RateLimitPausedError extends Error {
  constructor(
    readonly resource: 'core' | 'graphql',
    readonly resumeAt: Date,
    readonly remaining: number,
  ) {
    super(`GitHub ${resource} rate limit nearly spent (${remaining} left); paused until ${resumeAt.toISOString()}`);
    this.name = 'RateLimitPausedError';
  }
}

/** A failure worth retrying: 5xx, timeout, network error, or a GraphQL page too large for GitHub. */
export class TransientGithubError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
    this.name = 'TransientGithubError';
  }
}

/** GitHub no longer shows this repository to this credential (404/403 or a null node). */
export class RepoUnavailableError extends Error {
  constructor(
    readonly repoId: string,
    readonly status: number,
  ) {
    super(`GitHub answered ${status} for the repository`);
    this.name = 'RepoUnavailableError';
  }
}

/** The token was rejected (401); its owner must sign in again. */
export class CredentialRejectedError extends Error {
  constructor(readonly userId: string) {
    super('GitHub rejected the token (401)');
    this.name = 'CredentialRejectedError';
  }
}

/** What an Octokit RequestError looks like to us (no import of the ESM-only class needed). */
export interface HttpErrorLike {
  status?: number;
  message: string;
  name?: string;
  code?: string;
  response?: { headers?: Record<string, string | number | undefined>; data?: unknown };
}

export function asHttpError(err: unknown): HttpErrorLike {
  return (typeof err === 'object' && err !== null ? err : { message: String(err) }) as HttpErrorLike;
}

export const SECONDARY_LIMIT_RE = /secondary rate/i;

export function isRateLimitedGraphql(data: unknown): boolean {
  const errors = (data as { errors?: Array<{ type?: string }> } | undefined)?.errors;
  return Array.isArray(errors) && errors.some((e) => e?.type === 'RATE_LIMITED');
}
