/** The user's GitHub token as the gateway hands it over (never the refresh token). */
export interface GithubToken {
  access_token: string;
  token_type: string;
  /** Space-separated (GitHub answers a comma list). */
  scope: string;
  expires_in?: number;
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
