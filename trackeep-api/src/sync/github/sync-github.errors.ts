import type { OrgPolicyBlock } from '@trackeep/contracts';

/** The credential's primary budget is (nearly) spent: stop, keep the cursors, resume after `resumeAt`. */
export class RateLimitPausedError extends Error {
  constructor(
    readonly resource: 'core' | 'graphql',
    readonly resumeAt: Date,
    readonly remaining: number,
  ) {
    super(
      `GitHub ${resource} rate limit nearly spent (${remaining} left); paused until ${resumeAt.toISOString()}`,
    );
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

/**
 * GitHub does not show this repository to this credential: REST 404/410/451 (`source: 'rest'`, on
 * GET /repositories/{id}), or a null repository with NOT_FOUND (`source: 'graphql'`). Evidence, but access
 * is only revoked when it repeats and the credential still works for other calls.
 */
export class RepoUnavailableError extends Error {
  constructor(
    readonly repoId: string,
    readonly status: number,
    readonly source: 'rest' | 'graphql' = 'rest',
  ) {
    super(`GitHub answered ${status} for the repository`);
    this.name = 'RepoUnavailableError';
  }
}

/**
 * An organization policy keeps GitHub from answering (SAML SSO enforcement, OAuth App access restrictions).
 * Access itself is intact: nothing is revoked, the stored data stays visible. `org` is null when GitHub's
 * answer did not name it (the repository's owner is then the organization).
 */
export class OrgPolicyBlockedError extends Error {
  constructor(
    readonly kind: OrgPolicyBlock['kind'],
    readonly org: string | null,
    readonly url: string | null,
  ) {
    super(
      kind === 'sso'
        ? `GitHub needs SAML SSO authorization of the token for ${org ?? 'the organization'}`
        : `${org ?? 'The organization'} restricts OAuth App access; an owner must approve Trackeep`,
    );
    this.name = 'OrgPolicyBlockedError';
  }

  blockFor(owner: string): OrgPolicyBlock {
    return { kind: this.kind, org: this.org ?? owner, url: this.url };
  }
}

/** GitHub answered something that is neither data nor a known failure; the job retries it later. */
export class UnexpectedGithubAnswerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnexpectedGithubAnswerError';
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

/** GitHub's page about OAuth App access restrictions (what an organization owner does to approve an app). */
export const OAUTH_APP_POLICY_DOCS =
  'https://docs.github.com/organizations/managing-oauth-access-to-your-organizations-data/about-oauth-app-access-restrictions';

interface GqlErrorLike {
  type?: string;
  code?: string;
  message?: string;
  path?: Array<string | number>;
}

function errorsOf(body: unknown): GqlErrorLike[] {
  let parsed = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return [];
    }
  }
  const errors = (parsed as { errors?: unknown } | null | undefined)?.errors;
  return Array.isArray(errors)
    ? (errors.filter((e) => typeof e === 'object' && e !== null) as GqlErrorLike[])
    : [];
}

/**
 * GitHub's GraphQL primary limit, in both shapes it sends (at HTTP 200 or 403, `data: null`):
 * `type: "RATE_LIMITED"`, and `type: "RATE_LIMIT"` with `code: "graphql_rate_limit"`
 * (bodies quoted in octokit/plugin-throttling#848 and githubkit#271).
 */
export function isRateLimitedGraphql(body: unknown): boolean {
  return errorsOf(body).some(
    (e) => e.type === 'RATE_LIMITED' || e.type === 'RATE_LIMIT' || e.code === 'graphql_rate_limit',
  );
}

const OAUTH_APP_POLICY_RE = /organization has enabled OAuth App access restrictions/i;
const OAUTH_APP_ORG_RE =
  /the [`'"]?([A-Za-z0-9][A-Za-z0-9._-]*)[`'"]? organization has enabled OAuth App access restrictions/i;
const SSO_MESSAGE_RE = /SAML enforcement|SAML SSO|single sign-on/i;

/** The organization named in an SSO authorization URL (`https://github.com/orgs/ORG/sso?...`). */
function orgOfSsoUrl(url: string | null): string | null {
  const m = url ? /\/orgs\/([^/?#]+)\/sso/.exec(url) : null;
  return m?.[1] ? decodeURIComponent(m[1]) : null;
}

/** The `url=` of an `X-GitHub-SSO: required; url=...` header, or null (also for `partial-results`). */
export function ssoUrlOf(header: unknown): string | null {
  if (typeof header !== 'string' || !/^\s*required\b/i.test(header)) return null;
  const m = /url=(\S+)/i.exec(header);
  return m?.[1] ? m[1].replace(/[;,]$/, '') : null;
}

/**
 * An organization policy in a REST or GraphQL failure: SSO (the `X-GitHub-SSO: required` header, or a
 * FORBIDDEN error about SAML enforcement), or OAuth App access restrictions (the 403 message naming the
 * organization). Null when the failure is something else.
 */
export function orgPolicyBlockOf(
  status: number | undefined,
  headers: Record<string, unknown> | undefined,
  body: unknown,
): OrgPolicyBlockedError | null {
  const sso = headers?.['x-github-sso'];
  if (typeof sso === 'string' && /^\s*required\b/i.test(sso)) {
    const url = ssoUrlOf(sso);
    return new OrgPolicyBlockedError('sso', orgOfSsoUrl(url), url);
  }
  const messages: string[] = [];
  const restMessage = (body as { message?: unknown } | null | undefined)?.message;
  if (typeof restMessage === 'string') messages.push(restMessage);
  for (const e of errorsOf(body))
    if (status === 403 || e.type === 'FORBIDDEN') messages.push(e.message ?? '');
  if (status !== 403 && !errorsOf(body).some((e) => e.type === 'FORBIDDEN')) return null;
  for (const message of messages) {
    if (OAUTH_APP_POLICY_RE.test(message)) {
      const url = /visit (https:\/\/\S+?)[.,]?(\s|$)/.exec(message)?.[1] ?? OAUTH_APP_POLICY_DOCS;
      return new OrgPolicyBlockedError('oauth_app_policy', OAUTH_APP_ORG_RE.exec(message)?.[1] ?? null, url);
    }
    if (SSO_MESSAGE_RE.test(message)) return new OrgPolicyBlockedError('sso', null, null);
  }
  return null;
}

/** The organization policy in an Octokit request error (see orgPolicyBlockOf), or null. */
export function orgPolicyRefusalOf(err: unknown): OrgPolicyBlockedError | null {
  const e = err as { status?: number; response?: { headers?: Record<string, unknown>; data?: unknown } };
  return orgPolicyBlockOf(e.status, e.response?.headers, e.response?.data);
}

/** GraphQL's own NOT_FOUND for a path (`["node"]`, `["repository"]`): GitHub says there is no such object. */
export function hasNotFound(body: unknown): boolean {
  return errorsOf(body).some((e) => e.type === 'NOT_FOUND');
}

/** "Something went wrong while executing your query. This may be the result of a timeout…" at 200. */
export function isGraphqlTimeout(body: unknown): boolean {
  return errorsOf(body).some((e) => /something went wrong|timeout|timed out/i.test(e.message ?? ''));
}
