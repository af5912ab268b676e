import { Injectable, Logger } from '@nestjs/common';
import type { RegisteredClient } from '../clients/client-config.util';
import { sha256Hex } from '../common/crypto.util';
import { OAuthError } from '../common/oauth-error';
import { GithubClient, GithubError } from '../github/github.client';
import { AccessTokenRepository } from './access-token.repository';
import { ACCESS_TOKEN_PREFIX } from './token.service';

/**
 * POST /oauth/revoke (RFC 7009). `token_type_hint=access_token` (default): the gateway access token, only if it
 * was issued to the calling client. `token_type_hint=github_access_token`: the user's GitHub authorization of
 * the gateway's OAuth app (DELETE /applications/{client_id}/grant), which ends every token of that grant.
 */
@Injectable()
export class RevocationService {
  private readonly logger = new Logger(RevocationService.name);

  constructor(
    private readonly tokens: AccessTokenRepository,
    private readonly github: GithubClient,
  ) {}

  async revoke(client: RegisteredClient, body: Record<string, unknown>): Promise<void> {
    const token = body['token'];
    const hint = body['token_type_hint'];
    if (typeof token !== 'string' || !token) throw OAuthError.invalidRequest('token is required (once)');
    if (hint !== undefined && typeof hint !== 'string')
      throw OAuthError.invalidRequest('token_type_hint must appear once');

    if (hint === 'github_access_token') {
      try {
        const result = await this.github.revokeGrant(token);
        this.logger.log(`client ${client.client_id} revoked a GitHub grant (${result})`);
      } catch (err) {
        if (!(err instanceof GithubError)) throw err;
        this.logger.warn(`GitHub grant revocation for client ${client.client_id} failed: ${err.message}`);
        throw new OAuthError('temporarily_unavailable', 'GitHub could not be reached; try again', 503, {
          'Retry-After': '30',
        });
      }
      return;
    }
    // Unknown, expired and foreign tokens are answered 200 as well (§2.2): nothing to learn from the answer.
    if (
      token.startsWith(ACCESS_TOKEN_PREFIX) &&
      (await this.tokens.revoke(sha256Hex(token), client.client_id))
    ) {
      this.logger.log(`client ${client.client_id} revoked a gateway access token`);
    }
  }
}
