import { Injectable, Logger } from '@nestjs/common';
import type { RegisteredClient } from '../clients/client-config.util';
import { sha256Hex } from '../common/crypto.util';
import { OAuthError } from '../common/oauth-error';
import { GithubClient, GithubError } from '../github/github.client';
import type { GithubToken } from '../github/github-identity.type';
import {
  GithubRefreshTokenRepository,
  type IssuedRefreshToken,
  type RefreshTokenRefusal,
} from './github-refresh-token.repository';

/** GitHub's documented lifetime of a refresh token, for answers that omit refresh_token_expires_in. */
export const GITHUB_REFRESH_TOKEN_TTL_SECONDS = 15_897_600;
const MAX_REFRESH_TOKEN_LENGTH = 1024;

/** The GitHub token fields of a token answer; documented in oauth-gateway/README.md, which clients code against. */
export interface GithubTokenFields {
  github_access_token: string;
  github_token_type: string;
  github_token_scope: string;
  github_token_expires_in?: number;
  github_refresh_token?: string;
  github_refresh_token_expires_in?: number;
}

export function githubTokenFields(token: GithubToken): GithubTokenFields {
  return {
    github_access_token: token.access_token,
    github_token_type: token.token_type,
    github_token_scope: token.scope,
    ...(token.expires_in ? { github_token_expires_in: token.expires_in } : {}),
    ...(token.refresh_token
      ? {
          github_refresh_token: token.refresh_token,
          github_refresh_token_expires_in: token.refresh_token_expires_in ?? GITHUB_REFRESH_TOKEN_TTL_SECONDS,
        }
      : {}),
  };
}

const REFUSALS: Record<RefreshTokenRefusal, string> = {
  unknown: 'the refresh token was not issued through this gateway or has expired; sign in again',
  foreign: 'the refresh token was issued to another client',
  reused:
    'the refresh token was already used (GitHub refresh tokens are single-use); every token of this sign-in is revoked, sign in again',
  revoked: 'the refresh token was revoked because an earlier token of this sign-in was reused; sign in again',
  expired: 'the refresh token has expired; sign in again',
};

/**
 * POST /oauth/github/refresh: exchanges a GitHub refresh token the gateway handed to this client for a new
 * user token and the rotated refresh token. Only the gateway holds the GitHub client secret this needs. Each
 * refresh token is bound to its client and used once; a second use is refused without asking GitHub and
 * revokes the rest of its chain (RFC 9700 §4.14.2), since one of the two users holds a stolen copy.
 */
@Injectable()
export class GithubRefreshService {
  private readonly logger = new Logger(GithubRefreshService.name);

  constructor(
    private readonly github: GithubClient,
    private readonly refreshTokens: GithubRefreshTokenRepository,
  ) {}

  /** Binds a refresh token handed out at the token endpoint to its client. */
  async recordIssued(client: RegisteredClient, subject: string, token: GithubToken): Promise<void> {
    if (!token.refresh_token) return;
    await this.refreshTokens.record({
      token_hash: sha256Hex(token.refresh_token),
      client_id: client.client_id,
      subject,
      ttlSeconds: token.refresh_token_expires_in ?? GITHUB_REFRESH_TOKEN_TTL_SECONDS,
    });
  }

  async refresh(client: RegisteredClient, body: Record<string, unknown>): Promise<GithubTokenFields> {
    const refreshToken = body['refresh_token'];
    if (refreshToken === undefined || refreshToken === '')
      throw OAuthError.invalidRequest('refresh_token is required');
    if (typeof refreshToken !== 'string') throw OAuthError.invalidRequest('refresh_token must appear once');
    if (refreshToken.length > MAX_REFRESH_TOKEN_LENGTH || /\s/.test(refreshToken))
      throw OAuthError.invalidRequest('refresh_token is not a GitHub refresh token');

    const tokenHash = sha256Hex(refreshToken);
    const claim = await this.refreshTokens.claim(tokenHash, client.client_id);
    if (claim.outcome !== 'claimed') throw await this.refuse(client, claim.outcome, claim.token);
    const parent = claim.token;

    let token: GithubToken;
    try {
      token = await this.github.refreshUserToken(refreshToken);
    } catch (err) {
      if (!(err instanceof GithubError)) {
        await this.refreshTokens.release(tokenHash);
        throw err;
      }
      throw await this.githubFailed(client, parent, err);
    }
    if (token.refresh_token) {
      const rotated = await this.refreshTokens.recordRotated(parent, {
        token_hash: sha256Hex(token.refresh_token),
        ttlSeconds: token.refresh_token_expires_in ?? GITHUB_REFRESH_TOKEN_TTL_SECONDS,
      });
      // The same token was presented again while GitHub answered: one of the two holds a stolen copy.
      if (rotated === 'revoked') throw await this.refuse(client, 'revoked', parent);
    }
    this.logger.log(`refreshed the GitHub token of ${parent.subject} for client ${client.client_id}`);
    return githubTokenFields(token);
  }

  private async refuse(
    client: RegisteredClient,
    refusal: RefreshTokenRefusal,
    token: IssuedRefreshToken | null,
  ): Promise<OAuthError> {
    if (refusal === 'reused' && token) {
      await this.refreshTokens.revokeFamily(token.family_id);
      this.logger.warn(
        `refresh token of ${token.subject} presented again by client ${client.client_id} after its single use: possible theft; revoked its sign-in's refresh tokens`,
      );
    } else if (refusal === 'foreign' && token) {
      this.logger.warn(
        `client ${client.client_id} presented a refresh token of ${token.subject} issued to client ${token.client_id}: possible theft`,
      );
    } else {
      this.logger.warn(
        `GitHub token refresh of client ${client.client_id} refused: ${refusal} refresh token`,
      );
    }
    return OAuthError.invalidGrant(REFUSALS[refusal]);
  }

  private async githubFailed(
    client: RegisteredClient,
    parent: IssuedRefreshToken,
    err: GithubError,
  ): Promise<OAuthError> {
    this.logger.warn(
      `GitHub token refresh of ${parent.subject} for client ${client.client_id} failed: ${err.message}`,
    );
    if (err.kind === 'rejected' && err.githubCode === 'bad_refresh_token')
      return OAuthError.invalidGrant(
        'GitHub refused the refresh token (bad_refresh_token: expired, revoked or already used); sign in again',
      );
    // GitHub did not take the token (or never answered): the instance may retry with it.
    await this.refreshTokens.release(parent.token_hash);
    if (err.kind === 'rejected')
      return new OAuthError(
        'server_error',
        `GitHub refused the gateway's refresh request (${err.githubCode ?? 'no error code'}); the gateway's GitHub app settings need attention`,
        502,
      );
    return new OAuthError('temporarily_unavailable', 'GitHub could not be reached; try again', 503, {
      'Retry-After': '30',
    });
  }
}
