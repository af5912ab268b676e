import { ApiEnv } from '../config/api-env';

/** How long one request to GitHub may take before it is abandoned (and retried or reported). */
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * Where GitHub is (github.com or a GitHub Enterprise Server) and how long to wait for it, resolved once from
 * GITHUB_WEB_URL, GITHUB_API_URL and GITHUB_GRAPHQL_URL. Everything that talks to GitHub reads it from here.
 */
export class GithubSettings {
  /** REST base without a trailing slash: https://api.github.com, https://HOST/api/v3, or the simulator. */
  readonly apiUrl: string;
  readonly graphqlUrl: string;
  readonly webUrl: string;
  /** Host part of the stable user subject and of stored repositories (e.g. "github.com"). */
  readonly host: string;
  readonly requestTimeoutMs = REQUEST_TIMEOUT_MS;

  constructor(env: Pick<ApiEnv, 'GITHUB_API_URL' | 'GITHUB_WEB_URL' | 'GITHUB_GRAPHQL_URL'>) {
    this.apiUrl = env.GITHUB_API_URL.replace(/\/+$/, '');
    this.webUrl = env.GITHUB_WEB_URL.replace(/\/+$/, '');
    this.graphqlUrl = env.GITHUB_GRAPHQL_URL?.replace(/\/+$/, '') ?? graphqlUrlFor(this.apiUrl);
    this.host = new URL(this.webUrl).host;
  }
}

/** GitHub's GraphQL endpoint for a REST base URL (GHES: /api/v3 -> /api/graphql; otherwise <api>/graphql). */
export function graphqlUrlFor(apiUrl: string): string {
  const url = new URL(apiUrl.replace(/\/+$/, ''));
  if (/\/api\/v3$/.test(url.pathname))
    return `${url.origin}${url.pathname.replace(/\/api\/v3$/, '/api/graphql')}`;
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}/graphql`;
}
