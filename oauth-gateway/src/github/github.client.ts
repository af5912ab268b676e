import { Injectable } from '@nestjs/common';
import { GatewayEnv, gatewayUrls, type GatewayUrls } from '../config/gateway-env';
import type { GithubIdentity } from './github-identity.type';

const TIMEOUT_MS = 10_000;
const USER_AGENT = 'trackeep-oauth-gateway';

export interface GithubToken {
  access_token: string;
  token_type: string;
  /** Space-separated (GitHub answers a comma list). */
  scope: string;
  expires_in?: number;
}

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
 * The gateway's side of GitHub: the OAuth app's code exchange, who the user is, membership checks, grant
 * revocation. Base URLs come from GITHUB_WEB_URL / GITHUB_API_URL (github.com, GHES, GHE.com, simulator).
 * Nothing here logs or returns a token in an error message.
 */
@Injectable()
export class GithubClient {
  readonly urls: GatewayUrls;

  constructor(private readonly env: GatewayEnv) {
    this.urls = gatewayUrls(env);
  }

  authorizeUrl(p: { state: string; codeChallenge: string; scope: string }): string {
    const url = new URL(`${this.urls.githubWebUrl}/login/oauth/authorize`);
    url.searchParams.set('client_id', this.env.GITHUB_CLIENT_ID);
    url.searchParams.set('redirect_uri', this.urls.githubRedirectUrl);
    url.searchParams.set('scope', p.scope);
    url.searchParams.set('state', p.state);
    url.searchParams.set('code_challenge', p.codeChallenge);
    url.searchParams.set('code_challenge_method', 'S256');
    return url.href;
  }

  async exchangeCode(code: string, codeVerifier: string): Promise<GithubToken> {
    const body = new URLSearchParams({
      client_id: this.env.GITHUB_CLIENT_ID,
      client_secret: this.env.GITHUB_CLIENT_SECRET,
      code,
      redirect_uri: this.urls.githubRedirectUrl,
      code_verifier: codeVerifier,
    });
    const res = await this.call(`${this.urls.githubWebUrl}/login/oauth/access_token`, {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    const json = (await res.json().catch(() => null)) as Record<string, unknown> | null;
    if (res.status >= 500) throw new GithubError('unavailable', `token exchange answered ${res.status}`);
    // GitHub reports a bad code with 200 and {"error": ...}.
    if (!res.ok || !json || typeof json['error'] === 'string' || typeof json['access_token'] !== 'string') {
      const reason = json && typeof json['error'] === 'string' ? json['error'] : `status ${res.status}`;
      throw new GithubError('rejected', `token exchange refused: ${reason}`);
    }
    const scope =
      typeof json['scope'] === 'string'
        ? json['scope']
            .split(/[\s,]+/)
            .filter(Boolean)
            .join(' ')
        : '';
    const expiresIn =
      typeof json['expires_in'] === 'number' ? json['expires_in'] : Number(json['expires_in']);
    return {
      access_token: json['access_token'],
      token_type: typeof json['token_type'] === 'string' ? json['token_type'].toLowerCase() : 'bearer',
      scope,
      ...(Number.isFinite(expiresIn) && expiresIn > 0 ? { expires_in: expiresIn } : {}),
    };
  }

  async fetchIdentity(token: string): Promise<GithubIdentity> {
    const userRes = await this.api(token, '/user');
    if (userRes.status !== 200)
      throw new GithubError(
        userRes.status >= 500 ? 'unavailable' : 'rejected',
        `GET /user answered ${userRes.status}`,
      );
    const user = (await userRes.json()) as Record<string, unknown>;
    if (
      typeof user['id'] !== 'number' ||
      !Number.isSafeInteger(user['id']) ||
      typeof user['login'] !== 'string'
    ) {
      throw new GithubError('rejected', 'GET /user returned no numeric id or login');
    }
    let email: string | null = null;
    let emailVerified = false;
    // Needs user:email; without it (or on error) fall back to the public profile email, marked unverified.
    const emailsRes = await this.api(token, '/user/emails').catch(() => null);
    if (emailsRes?.status === 200) {
      const emails = (await emailsRes.json().catch(() => [])) as Array<{
        email?: unknown;
        primary?: unknown;
        verified?: unknown;
      }>;
      const primary = Array.isArray(emails)
        ? emails.find((e) => e.primary === true && e.verified === true && typeof e.email === 'string')
        : undefined;
      if (primary) {
        email = primary.email as string;
        emailVerified = true;
      }
    }
    if (!email && typeof user['email'] === 'string' && user['email']) email = user['email'];
    return {
      github_host: this.urls.githubHost,
      github_id: user['id'],
      login: user['login'],
      name: typeof user['name'] === 'string' && user['name'] ? user['name'] : null,
      email,
      email_verified: emailVerified,
      avatar_url: typeof user['avatar_url'] === 'string' ? user['avatar_url'] : null,
    };
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
        headers: { 'user-agent': USER_AGENT, ...(init.headers as Record<string, string>) },
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (err) {
      throw new GithubError(
        'unavailable',
        `${new URL(url).pathname}: ${(err as Error).name === 'TimeoutError' ? 'timed out' : (err as Error).message}`,
      );
    }
  }
}
