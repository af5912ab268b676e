import { Injectable } from '@nestjs/common';
import { GatewayEnv, gatewayUrls, type GatewayUrls } from '../config/gateway-env';

export const GITHUB_TIMEOUT_MS = 10_000;
export const GITHUB_USER_AGENT = 'trackeep-oauth-gateway';

/** GitHub refused (bad code, bad app credentials) or could not be reached / answered unexpectedly. */
export class GithubError extends Error {
  constructor(
    readonly kind: 'rejected' | 'unavailable',
    message: string,
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
