import { HttpStatus, Injectable, Logger } from '@nestjs/common';
import { createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { ApiException } from '../common/api-exception';
import { AuthSettings, type GatewayClientSettings } from './auth-settings';
import type { UserProfile } from './user.type';

/** RFC 8414 metadata fields we use. */
interface GatewayMetadata {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
  revocation_endpoint?: string;
  /** Where expiring GitHub tokens are refreshed; absent on a gateway that cannot. */
  github_refresh_endpoint?: string;
}

/** The gateway's token endpoint answer (see oauth-gateway/README.md). */
export interface GatewayTokenResponse {
  token_type: string;
  access_token?: string;
  id_token: string;
  github_access_token: string;
  github_token_scope?: string;
  github_host?: string;
  /** Present only when GitHub issued an expiring token (with its single-use refresh token). */
  github_token_expires_in?: number;
  github_refresh_token?: string;
  github_refresh_token_expires_in?: number;
}

/** The gateway's GitHub refresh answer: a new token and the rotated refresh token (the old one is spent). */
export interface GithubRefreshedTokens {
  github_access_token: string;
  github_token_scope?: string;
  github_token_expires_in?: number;
  github_refresh_token?: string;
  github_refresh_token_expires_in?: number;
}

/**
 * `refreshed`: store the new pair before using it. `rejected`: the refresh token is dead (reused, revoked,
 * expired, or the gateway cannot refresh): the user signs in again. `unavailable`: nothing was spent; retry
 * later with the same refresh token.
 */
export type GithubRefreshOutcome =
  | { kind: 'refreshed'; tokens: GithubRefreshedTokens }
  | { kind: 'rejected'; reason: string }
  | { kind: 'unavailable'; reason: string };

/** Verified id_token claims we rely on. */
export type GatewayIdentity = UserProfile;

export class SignInError extends Error {
  constructor(
    /** Short machine reason, put in the redirect back to the web app. */
    readonly reason: string,
    detail: string,
  ) {
    super(detail);
  }
}

const ID_TOKEN_ALGORITHMS = ['ES256', 'EdDSA'];
const METADATA_TTL_MS = 60 * 60_000;
const HTTP_TIMEOUT_MS = 10_000;
/** Longer than the gateway's own 10 s wait on GitHub: giving up first would lose a pair GitHub already rotated. */
const REFRESH_TIMEOUT_MS = 25_000;
/** Tolerated clock difference between the gateway and us when checking exp/iat. */
const CLOCK_TOLERANCE_S = 30;

/**
 * Trackeep's OAuth client side of the gateway protocol: discovery (RFC 8414), the authorization URL with
 * PKCE, the back-channel code exchange with client_secret_basic, id_token verification with the gateway's
 * JWKS (pinned algorithms, iss, aud, exp, nonce), and revocation of the GitHub grant.
 */
@Injectable()
export class GatewayClient {
  private readonly logger = new Logger(GatewayClient.name);
  private metadata: { value: Promise<GatewayMetadata>; fetchedAt: number } | null = null;
  private jwks: { uri: string; keys: JWTVerifyGetKey } | null = null;

  constructor(private readonly settings: AuthSettings) {}

  get configured(): boolean {
    return this.settings.gateway !== null;
  }

  private get client(): GatewayClientSettings {
    const gateway = this.settings.gateway;
    if (!gateway) {
      throw new ApiException(
        HttpStatus.SERVICE_UNAVAILABLE,
        'sign_in_failed',
        'Sign-in is not configured on this server (GATEWAY_URL, GATEWAY_CLIENT_ID, GATEWAY_CLIENT_SECRET)',
      );
    }
    return gateway;
  }

  async discover(): Promise<GatewayMetadata> {
    if (this.metadata && Date.now() - this.metadata.fetchedAt < METADATA_TTL_MS) return this.metadata.value;
    const value = this.fetchMetadata();
    this.metadata = { value, fetchedAt: Date.now() };
    value.catch(() => (this.metadata = null));
    return value;
  }

  private async fetchMetadata(): Promise<GatewayMetadata> {
    const { issuer } = this.client;
    const url = `${issuer}/.well-known/oauth-authorization-server`;
    let body: Partial<GatewayMetadata>;
    try {
      const res = await fetch(url, {
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
      });
      if (!res.ok) throw new Error(`answered ${res.status}`);
      body = (await res.json()) as Partial<GatewayMetadata>;
    } catch (err) {
      this.logger.error(`gateway metadata at ${url} is unavailable: ${(err as Error).message}`);
      throw new ApiException(
        HttpStatus.SERVICE_UNAVAILABLE,
        'sign_in_failed',
        'The sign-in service is unavailable; try again shortly',
      );
    }
    if (
      body.issuer?.replace(/\/+$/, '') !== issuer ||
      !body.authorization_endpoint ||
      !body.token_endpoint ||
      !body.jwks_uri
    ) {
      this.logger.error(
        `gateway metadata at ${url} names issuer "${String(body.issuer)}" or lacks endpoints; expected issuer ${issuer}`,
      );
      throw new ApiException(
        HttpStatus.SERVICE_UNAVAILABLE,
        'sign_in_failed',
        'The sign-in service is misconfigured',
      );
    }
    return body as GatewayMetadata;
  }

  async authorizationUrl(params: { state: string; nonce: string; codeChallenge: string }): Promise<string> {
    const metadata = await this.discover();
    const url = new URL(metadata.authorization_endpoint);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: this.client.clientId,
      redirect_uri: this.client.redirectUri,
      scope: 'openid profile email',
      state: params.state,
      nonce: params.nonce,
      code_challenge: params.codeChallenge,
      code_challenge_method: 'S256',
    }).toString();
    return url.toString();
  }

  /** Redeems the authorization code over the back channel. */
  async exchangeCode(code: string, codeVerifier: string): Promise<GatewayTokenResponse> {
    const metadata = await this.discover();
    const { clientId, clientSecret, redirectUri } = this.client;
    let res: Response;
    try {
      res = await fetch(metadata.token_endpoint, {
        method: 'POST',
        headers: {
          authorization: basicAuth(clientId, clientSecret),
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code,
          redirect_uri: redirectUri,
          code_verifier: codeVerifier,
        }),
        signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
      });
    } catch (err) {
      throw new SignInError('gateway_unavailable', `token endpoint unreachable: ${(err as Error).message}`);
    }
    const body = (await res.json().catch(() => ({}))) as Partial<GatewayTokenResponse> & { error?: string };
    if (!res.ok) {
      // invalid_client means our own configuration is wrong: say so loudly in the log, vaguely to the user.
      const level = body.error === 'invalid_client' ? 'error' : 'warn';
      this.logger[level](`token endpoint answered ${res.status} ${body.error ?? ''}`.trim());
      throw new SignInError(
        body.error === 'invalid_grant' ? 'code_rejected' : 'token_exchange_failed',
        `token endpoint answered ${res.status}`,
      );
    }
    if (
      typeof body.id_token !== 'string' ||
      typeof body.github_access_token !== 'string' ||
      !body.github_access_token
    ) {
      throw new SignInError('token_exchange_failed', 'token response lacks id_token or github_access_token');
    }
    return body as GatewayTokenResponse;
  }

  /** Verifies the id_token's signature and claims, and returns the identity it asserts. */
  async verifyIdToken(idToken: string, expectedNonce: string): Promise<GatewayIdentity> {
    const metadata = await this.discover();
    if (this.jwks?.uri !== metadata.jwks_uri) {
      this.jwks = {
        uri: metadata.jwks_uri,
        keys: createRemoteJWKSet(new URL(metadata.jwks_uri), { timeoutDuration: HTTP_TIMEOUT_MS }),
      };
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(idToken, this.jwks.keys, {
        algorithms: ID_TOKEN_ALGORITHMS,
        issuer: this.client.issuer,
        audience: this.client.clientId,
        requiredClaims: ['exp', 'iat', 'sub', 'nonce'],
        clockTolerance: CLOCK_TOLERANCE_S,
      }));
    } catch (err) {
      throw new SignInError('id_token_invalid', `id_token rejected: ${(err as Error).message}`);
    }
    if (payload['nonce'] !== expectedNonce)
      throw new SignInError('id_token_invalid', 'id_token nonce does not match this sign-in');
    const githubHost = payload['github_host'];
    const githubId = payload['github_id'];
    const login = payload['login'] ?? payload['preferred_username'];
    if (
      typeof githubHost !== 'string' ||
      !githubHost ||
      typeof githubId !== 'number' ||
      !Number.isSafeInteger(githubId) ||
      githubId <= 0
    ) {
      throw new SignInError('id_token_invalid', 'id_token lacks github_host/github_id');
    }
    if (payload.sub !== `${githubHost}|${githubId}`)
      throw new SignInError('id_token_invalid', 'id_token sub does not match github_host|github_id');
    if (typeof login !== 'string' || !login)
      throw new SignInError('id_token_invalid', 'id_token lacks login');
    return {
      githubHost,
      githubId,
      login,
      name: optionalString(payload['name']),
      email: optionalString(payload['email']),
      avatarUrl: optionalString(payload['avatar_url'] ?? payload['picture']),
    };
  }

  /** Exchanges a GitHub refresh token at the gateway's back channel; never throws for the gateway's answers. */
  async refreshGithubToken(refreshToken: string): Promise<GithubRefreshOutcome> {
    let endpoint: string | undefined;
    try {
      endpoint = (await this.discover()).github_refresh_endpoint;
    } catch {
      return { kind: 'unavailable', reason: 'gateway metadata unavailable' };
    }
    if (!endpoint) return { kind: 'rejected', reason: 'the gateway publishes no github_refresh_endpoint' };
    const { clientId, clientSecret } = this.client;
    let res: Response;
    try {
      res = await fetch(endpoint, {
        method: 'POST',
        headers: {
          authorization: basicAuth(clientId, clientSecret),
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: new URLSearchParams({ refresh_token: refreshToken }),
        signal: AbortSignal.timeout(REFRESH_TIMEOUT_MS),
      });
    } catch (err) {
      return { kind: 'unavailable', reason: `refresh endpoint unreachable: ${(err as Error).message}` };
    }
    const body = (await res.json().catch(() => ({}))) as Partial<GithubRefreshedTokens> & { error?: string };
    if (res.ok && typeof body.github_access_token === 'string' && body.github_access_token) {
      return { kind: 'refreshed', tokens: body as GithubRefreshedTokens };
    }
    const reason = `refresh endpoint answered ${res.status} ${body.error ?? ''}`.trim();
    if (res.status === 400 && body.error === 'invalid_grant') return { kind: 'rejected', reason };
    // invalid_client means our own configuration is wrong; the refresh token is not spent.
    if (body.error === 'invalid_client') this.logger.error(`${reason}: check GATEWAY_CLIENT_ID/SECRET`);
    return { kind: 'unavailable', reason };
  }

  /** Asks the gateway to revoke the user's GitHub grant. Best effort: false if the gateway refused or failed. */
  async revokeGithubToken(githubToken: string): Promise<boolean> {
    try {
      const metadata = await this.discover();
      if (!metadata.revocation_endpoint) {
        this.logger.warn('the gateway publishes no revocation_endpoint; the GitHub grant was not revoked');
        return false;
      }
      const { clientId, clientSecret } = this.client;
      const res = await fetch(metadata.revocation_endpoint, {
        method: 'POST',
        headers: {
          authorization: basicAuth(clientId, clientSecret),
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ token: githubToken, token_type_hint: 'github_access_token' }),
        signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
      });
      if (!res.ok) this.logger.warn(`revocation endpoint answered ${res.status}`);
      return res.ok;
    } catch (err) {
      this.logger.warn(`revoking the GitHub grant failed: ${(err as Error).message}`);
      return false;
    }
  }
}

/** RFC 6749 §2.3.1: client id and secret are form-urlencoded before base64. */
function basicAuth(clientId: string, clientSecret: string): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${enc(clientId)}:${enc(clientSecret)}`).toString('base64')}`;
}

function optionalString(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}
