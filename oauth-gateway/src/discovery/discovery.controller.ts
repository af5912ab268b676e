import { Controller, Get, Header } from '@nestjs/common';
import { GatewayEnv, gatewayUrls } from '../config/gateway-env';
import { SigningKeys } from '../keys/signing-keys.service';
import { SUPPORTED_SCOPES } from '../authorize/authorization-request.util';

/** How long clients may cache metadata and the JWKS; part of the key rotation arithmetic in the README. */
export const DISCOVERY_MAX_AGE_SECONDS = 300;

/** RFC 8414 metadata (also at the OpenID Connect discovery path) and the public signing keys. */
@Controller('.well-known')
export class DiscoveryController {
  private readonly issuer: string;

  constructor(
    env: GatewayEnv,
    private readonly keys: SigningKeys,
  ) {
    this.issuer = gatewayUrls(env).issuer;
  }

  @Get('oauth-authorization-server')
  @Header('Cache-Control', `public, max-age=${DISCOVERY_MAX_AGE_SECONDS}`)
  authorizationServer() {
    return this.metadata();
  }

  @Get('openid-configuration')
  @Header('Cache-Control', `public, max-age=${DISCOVERY_MAX_AGE_SECONDS}`)
  openidConfiguration() {
    return this.metadata();
  }

  @Get('jwks.json')
  @Header('Cache-Control', `public, max-age=${DISCOVERY_MAX_AGE_SECONDS}`)
  @Header('Content-Type', 'application/jwk-set+json')
  jwks() {
    return this.keys.publicJwks();
  }

  private metadata() {
    const clientAuth = ['client_secret_basic', 'client_secret_post'];
    return {
      issuer: this.issuer,
      authorization_endpoint: `${this.issuer}/auth/github`,
      token_endpoint: `${this.issuer}/oauth/token`,
      jwks_uri: `${this.issuer}/.well-known/jwks.json`,
      userinfo_endpoint: `${this.issuer}/api/v1/user/me`,
      revocation_endpoint: `${this.issuer}/oauth/revoke`,
      // Not RFC 8414's: where instances refresh expiring GitHub user tokens (README, "GitHub token refresh").
      github_refresh_endpoint: `${this.issuer}/oauth/github/refresh`,
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      grant_types_supported: ['authorization_code'],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: clientAuth,
      revocation_endpoint_auth_methods_supported: clientAuth,
      scopes_supported: [...SUPPORTED_SCOPES],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: this.keys.algorithms(),
      claims_supported: [
        'iss',
        'sub',
        'aud',
        'exp',
        'iat',
        'auth_time',
        'nonce',
        'azp',
        'github_host',
        'github_id',
        'login',
        'preferred_username',
        'name',
        'email',
        'email_verified',
        'avatar_url',
        'picture',
      ],
      authorization_response_iss_parameter_supported: true,
    };
  }
}
