/** The user's GitHub token as GitHub issued it; the expiry and refresh fields only for expiring tokens. */
export interface GithubToken {
  access_token: string;
  token_type: string;
  /** Space-separated (GitHub answers a comma list). */
  scope: string;
  expires_in?: number;
  /** Single use: only the gateway's GitHub client secret can exchange it (ghr_…). */
  refresh_token?: string;
  refresh_token_expires_in?: number;
}

/**
 * GitHub's token answer (code or refresh grant) as a GithubToken: space-separated scope, lower-case type,
 * expiry and refresh fields only when GitHub gave them.
 */
export function githubTokenFrom(accessToken: string, params: Record<string, unknown>): GithubToken {
  const scope =
    typeof params['scope'] === 'string'
      ? params['scope']
          .split(/[\s,]+/)
          .filter(Boolean)
          .join(' ')
      : '';
  const expiresIn = positiveSeconds(params['expires_in']);
  const refreshToken = params['refresh_token'];
  const refreshExpiresIn = positiveSeconds(params['refresh_token_expires_in']);
  return {
    access_token: accessToken,
    token_type: typeof params['token_type'] === 'string' ? params['token_type'].toLowerCase() : 'bearer',
    scope,
    ...(expiresIn ? { expires_in: expiresIn } : {}),
    ...(typeof refreshToken === 'string' && refreshToken ? { refresh_token: refreshToken } : {}),
    ...(typeof refreshToken === 'string' && refreshToken && refreshExpiresIn
      ? { refresh_token_expires_in: refreshExpiresIn }
      : {}),
  };
}

/** GitHub sends seconds as a number (JSON) or a string (form-encoded answers). */
function positiveSeconds(value: unknown): number | null {
  const seconds = Number(value);
  return (typeof value === 'number' || typeof value === 'string') &&
    Number.isSafeInteger(seconds) &&
    seconds > 0
    ? seconds
    : null;
}

/** Who signed in, as GitHub says; what id_tokens, codes and access tokens carry. */
export interface GithubIdentity {
  /** host[:port] of the GitHub web URL: github.com, a GHES host, SUBDOMAIN.ghe.com or the simulator. */
  github_host: string;
  github_id: number;
  login: string;
  name: string | null;
  email: string | null;
  email_verified: boolean;
  avatar_url: string | null;
}

/** The stable subject: `<github host>|<numeric user id>` (logins can be renamed and reused; ids cannot). */
export function subjectOf(identity: Pick<GithubIdentity, 'github_host' | 'github_id'>): string {
  return `${identity.github_host}|${identity.github_id}`;
}

/** An identity as stored in a jsonb column (only the gateway writes it); throws when it is not one. */
export function githubIdentityFrom(stored: unknown): GithubIdentity {
  if (!isRecord(stored)) throw new Error('stored identity is not an object');
  const { github_host, github_id, login, name, email, email_verified, avatar_url } = stored;
  if (
    typeof github_host !== 'string' ||
    typeof github_id !== 'number' ||
    typeof login !== 'string' ||
    !isStringOrNull(name) ||
    !isStringOrNull(email) ||
    typeof email_verified !== 'boolean' ||
    !isStringOrNull(avatar_url)
  )
    throw new Error('stored identity lacks a field or has one of the wrong type');
  return { github_host, github_id, login, name, email, email_verified, avatar_url };
}

function isStringOrNull(value: unknown): value is string | null {
  return value === null || typeof value === 'string';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
