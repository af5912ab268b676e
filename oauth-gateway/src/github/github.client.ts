import { Injectable } from '@nestjs/common';
import { GatewayEnv, gatewayUrls, type GatewayUrls } from '../config/gateway-env';
import { githubTokenFrom, type GithubToken } from './github-identity.type';

export const GITHUB_TIMEOUT_MS = 10_000;
export const GITHUB_USER_AGENT = 'trackeep-oauth-gateway';

/** GitHub refused (bad code, bad app credentials) or could not be reached / answered unexpectedly. */
export class GithubError extends Error {
  constructor(
    readonly kind: 'rejected' | 'unavailable',
    message: string,
    /** GitHub's own error code when it named one (`bad_refresh_token`, `incorrect_client_credentials`). */
    readonly githubCode: string | null = null,
  ) {
    super(message);
  }
}

/**
 * The GitHub calls of the gateway that passport-github2 does not make: the verified email, membership checks,
 * grant revocation. Base URLs come from GITHUB_WEB_URL / GITHUB_API_URL (github.com, GHES, GHE.com,
 * simulator). Nothing here logs or returns a token in an error message.
 */
@Injectable()
export class GithubClient {
  readonly urls: GatewayUrls;

  constructor(private readonly env: GatewayEnv) {
    this.urls = gatewayUrls(env);
  }

  /**
   * The primary email if GitHub marks it verified, else null. Needs user:email; without it, or when GitHub
   * fails, the sign-in goes on with the public profile email, marked unverified.
   */
  async primaryVerifiedEmail(token: string): Promise<string | null> {
    const res = await this.api(token, '/user/emails').catch(() => null);
    if (res?.status !== 200) return null;
    const emails: unknown = await res.json().catch(() => null);
    if (!Array.isArray(emails)) return null;
    const list: unknown[] = emails;
    for (const entry of list) {
      if (typeof entry !== 'object' || entry === null || !('email' in entry)) continue;
      const { email } = entry;
      if ('primary' in entry && entry.primary === true && 'verified' in entry && entry.verified === true)
        if (typeof email === 'string') return email;
    }
    return null;
  }

  /** 204 is the only "yes" (GitHub answers 302 when the asker is not a member, 404 when the user is not). */
  async isOrgMember(token: string, org: string, login: string): Promise<boolean> {
    const res = await this.api(
      token,
      `/orgs/${encodeURIComponent(org)}/members/${encodeURIComponent(login)}`,
    );
    return res.status === 204;
  }

  /** Only an explicit `"state": "active"` counts; pending invitations, errors and empty answers do not. */
  async isActiveTeamMember(token: string, org: string, teamSlug: string, login: string): Promise<boolean> {
    const res = await this.api(
      token,
      `/orgs/${encodeURIComponent(org)}/teams/${encodeURIComponent(teamSlug)}/memberships/${encodeURIComponent(login)}`,
    );
    if (res.status !== 200) return false;
    const body = (await res.json().catch(() => null)) as { state?: unknown } | null;
    return body?.state === 'active';
  }

  /**
   * Revokes the user's whole authorization of the gateway's GitHub OAuth app (every token of it, for every
   * instance). 'gone' when GitHub no longer knows the token.
   */
  async revokeGrant(githubToken: string): Promise<'revoked' | 'gone'> {
    const basic = Buffer.from(`${this.env.GITHUB_CLIENT_ID}:${this.env.GITHUB_CLIENT_SECRET}`).toString(
      'base64',
    );
    const res = await this.call(
      `${this.urls.githubApiUrl}/applications/${encodeURIComponent(this.env.GITHUB_CLIENT_ID)}/grant`,
      {
        method: 'DELETE',
        headers: {
          authorization: `Basic ${basic}`,
          accept: 'application/vnd.github+json',
          'content-type': 'application/json',
        },
        body: JSON.stringify({ access_token: githubToken }),
      },
    );
    if (res.status === 204) return 'revoked';
    if (res.status === 404 || res.status === 422) return 'gone';
    throw new GithubError('unavailable', `grant revocation answered ${res.status}`);
  }

  /**
   * The refresh grant at GitHub's token URL (under GITHUB_WEB_URL) with the gateway's app credentials. GitHub
   * answers its refusals with 200 and `{"error": …}`; those are 'rejected' with GitHub's code. No answer, a
   * 5xx or a body that is no token answer is 'unavailable'.
   */
  async refreshUserToken(refreshToken: string): Promise<GithubToken> {
    const res = await this.call(`${this.urls.githubWebUrl}/login/oauth/access_token`, {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
        client_id: this.env.GITHUB_CLIENT_ID,
        client_secret: this.env.GITHUB_CLIENT_SECRET,
      }).toString(),
    });
    if (res.status >= 500) throw new GithubError('unavailable', `token refresh answered ${res.status}`);
    const text = await res.text().catch(() => '');
    const answer = parseTokenAnswer(text, res.headers.get('content-type'));
    const error = answer?.['error'];
    if (typeof error === 'string' && error)
      throw new GithubError('rejected', `token refresh refused: ${error}`, error);
    const accessToken = answer?.['access_token'];
    if (res.status !== 200 || typeof accessToken !== 'string' || !accessToken)
      throw new GithubError('unavailable', `token refresh answered ${res.status} without a token`);
    return githubTokenFrom(accessToken, answer ?? {});
  }

  private api(token: string, path: string): Promise<Response> {
    return this.call(`${this.urls.githubApiUrl}${path}`, {
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'application/vnd.github+json',
        'x-github-api-version': '2022-11-28',
      },
    });
  }

  private async call(url: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(url, {
        ...init,
        redirect: 'manual',
        headers: { 'user-agent': GITHUB_USER_AGENT, ...(init.headers as Record<string, string>) },
        signal: AbortSignal.timeout(GITHUB_TIMEOUT_MS),
      });
    } catch (err) {
      throw new GithubError(
        'unavailable',
        `${new URL(url).pathname}: ${(err as Error).name === 'TimeoutError' ? 'timed out' : (err as Error).message}`,
      );
    }
  }
}

/** GitHub's token answer: JSON when asked for it, form-encoded by default (GHES versions differ). */
function parseTokenAnswer(text: string, contentType: string | null): Record<string, unknown> | null {
  if (contentType?.includes('application/x-www-form-urlencoded'))
    return Object.fromEntries(new URLSearchParams(text));
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}
