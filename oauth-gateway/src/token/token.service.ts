import { Injectable, Logger } from '@nestjs/common';
import type { RegisteredClient } from '../clients/client-config.util';
import {
  constantTimeEqual,
  openWithCode,
  pkceChallenge,
  randomToken,
  sha256Hex,
} from '../common/crypto.util';
import { OAuthError } from '../common/oauth-error';
import { GatewayEnv } from '../config/gateway-env';
import { GithubClient } from '../github/github.client';
import { subjectOf, type GithubIdentity, type GithubToken } from '../github/github-identity.type';
import { SigningKeys } from '../keys/signing-keys.service';
import { AccessTokenRepository } from './access-token.repository';
import { AuthorizationCodeRepository, type AuthorizationCode } from './authorization-code.repository';
import { GithubRefreshService, githubTokenFields, type GithubTokenFields } from './github-refresh.service';

export const ID_TOKEN_TTL_SECONDS = 300;
export const ACCESS_TOKEN_PREFIX = 'gw_at_';
const CODE_VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

/** The token endpoint's success body; documented in oauth-gateway/README.md, which clients code against. */
export interface TokenResponse extends GithubTokenFields {
  token_type: 'Bearer';
  access_token: string;
  expires_in: number;
  scope: string;
  id_token: string;
  github_host: string;
  github_api_url: string;
  github_graphql_url: string;
}

/** Identity claims shared by the id_token and /api/v1/user/me. */
export function identityClaims(subject: string, identity: GithubIdentity) {
  return {
    sub: subject,
    github_host: identity.github_host,
    github_id: identity.github_id,
    login: identity.login,
    preferred_username: identity.login,
    name: identity.name,
    ...(identity.email ? { email: identity.email, email_verified: identity.email_verified } : {}),
    avatar_url: identity.avatar_url,
    picture: identity.avatar_url,
  };
}

function param(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  if (value === undefined || value === '') throw OAuthError.invalidRequest(`${name} is required`);
  if (typeof value !== 'string') throw OAuthError.invalidRequest(`${name} must appear once`);
  return value;
}

@Injectable()
export class TokenService {
  private readonly logger = new Logger(TokenService.name);

  constructor(
    private readonly env: GatewayEnv,
    private readonly github: GithubClient,
    private readonly codes: AuthorizationCodeRepository,
    private readonly tokens: AccessTokenRepository,
    private readonly keys: SigningKeys,
    private readonly refresh: GithubRefreshService,
  ) {}

  /** grant_type=authorization_code for an already authenticated client. */
  async exchange(client: RegisteredClient, body: Record<string, unknown>): Promise<TokenResponse> {
    const grantType = param(body, 'grant_type');
    if (grantType !== 'authorization_code')
      throw new OAuthError('unsupported_grant_type', 'only grant_type=authorization_code is supported');
    const code = param(body, 'code');
    const redirectUri = param(body, 'redirect_uri');
    const verifier = param(body, 'code_verifier');
    if (!CODE_VERIFIER.test(verifier))
      throw OAuthError.invalidRequest('code_verifier must be 43-128 characters of [A-Za-z0-9-._~]');

    const codeHash = sha256Hex(code);
    const redemption = await this.codes.redeem(codeHash);
    if (redemption.outcome === 'unknown')
      throw this.refuse(client, 'unknown code', 'the authorization code is invalid');
    if (redemption.outcome === 'replayed') {
      const revoked = await this.tokens.revokeIssuedFromCode(codeHash);
      throw this.refuse(
        client,
        `replayed code (revoked ${revoked} token(s) issued from it)`,
        'the authorization code was already used',
      );
    }
    // The code is spent from here on, whatever happens next: a guessed verifier gets one try.
    const issued = redemption.code;
    if (issued.expired) throw this.refuse(client, 'expired code', 'the authorization code has expired');
    if (issued.client_id !== client.client_id)
      throw this.refuse(
        client,
        `code of client ${issued.client_id}`,
        'the authorization code was issued to another client',
      );
    if (issued.redirect_uri !== redirectUri)
      throw this.refuse(
        client,
        'redirect_uri mismatch',
        'redirect_uri does not match the authorization request',
      );
    if (!constantTimeEqual(pkceChallenge(verifier), issued.code_challenge))
      throw this.refuse(client, 'PKCE mismatch', 'code_verifier does not match the code_challenge');

    const github = this.openGithubToken(issued, code);
    const accessToken = `${ACCESS_TOKEN_PREFIX}${randomToken(32)}`;
    await this.tokens.create({
      token_hash: sha256Hex(accessToken),
      client_id: client.client_id,
      subject: issued.subject,
      identity: issued.identity,
      scope: issued.scope,
      code_hash: codeHash,
      ttlSeconds: this.env.GATEWAY_ACCESS_TOKEN_TTL_SECONDS,
    });
    await this.refresh.recordIssued(client, issued.subject, github);
    const idToken = await this.keys.sign(
      {
        iss: this.github.urls.issuer,
        aud: client.client_id,
        azp: client.client_id,
        auth_time: Math.floor(new Date(issued.auth_time).getTime() / 1000),
        ...(issued.nonce ? { nonce: issued.nonce } : {}),
        ...identityClaims(issued.subject, issued.identity),
      },
      ID_TOKEN_TTL_SECONDS,
    );
    this.logger.log(`issued tokens to client ${client.client_id} for ${subjectOf(issued.identity)}`);
    const urls = this.github.urls;
    return {
      token_type: 'Bearer',
      access_token: accessToken,
      expires_in: this.env.GATEWAY_ACCESS_TOKEN_TTL_SECONDS,
      scope: issued.scope,
      id_token: idToken,
      ...githubTokenFields(github),
      github_host: urls.githubHost,
      github_api_url: urls.githubApiUrl,
      github_graphql_url: urls.githubGraphqlUrl,
    };
  }

  private openGithubToken(issued: AuthorizationCode, code: string): GithubToken {
    try {
      if (!issued.github_token_sealed) throw new Error('no sealed token');
      return JSON.parse(openWithCode(issued.github_token_sealed, code)) as GithubToken;
    } catch {
      throw this.refuse(
        { client_id: issued.client_id } as RegisteredClient,
        'sealed GitHub token unreadable',
        'the authorization code is invalid',
      );
    }
  }

  private refuse(client: RegisteredClient, reason: string, description: string): OAuthError {
    this.logger.warn(`token request of client ${client.client_id} refused: ${reason}`);
    return OAuthError.invalidGrant(description);
  }
}
