import { Injectable } from '@nestjs/common';
import type { RegisteredClient } from '../clients/client-config.util';
import { ClientRegistry } from '../clients/client-registry.service';
import { OAuthError } from '../common/oauth-error';

/** RFC 6749 §2.3.1: client_secret_basic (preferred) or client_secret_post, never both in one request. */
@Injectable()
export class ClientAuthenticator {
  constructor(private readonly clients: ClientRegistry) {}

  authenticate(authorization: string | undefined, body: Record<string, unknown>): RegisteredClient {
    const bodyId = body['client_id'];
    const bodySecret = body['client_secret'];
    if (
      (bodyId !== undefined && typeof bodyId !== 'string') ||
      (bodySecret !== undefined && typeof bodySecret !== 'string')
    ) {
      throw OAuthError.invalidRequest('client_id and client_secret must appear at most once');
    }
    let id: string;
    let secret: string;
    if (authorization !== undefined) {
      const basic = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(authorization.trim())?.[1];
      if (!basic) throw OAuthError.invalidClient('unsupported Authorization scheme; use HTTP Basic');
      if (bodySecret !== undefined)
        throw OAuthError.invalidRequest(
          'use one client authentication method, not Basic and client_secret together',
        );
      const decoded = Buffer.from(basic, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) throw OAuthError.invalidClient('malformed Basic credentials');
      try {
        // The RFC form-encodes id and secret before Base64 (§2.3.1).
        id = decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' '));
        secret = decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' '));
      } catch {
        throw OAuthError.invalidClient('malformed Basic credentials');
      }
      if (bodyId !== undefined && bodyId !== id)
        throw OAuthError.invalidRequest('client_id in the body differs from the authenticated client');
    } else if (typeof bodyId === 'string' && typeof bodySecret === 'string') {
      id = bodyId;
      secret = bodySecret;
    } else {
      throw OAuthError.invalidClient(
        'client authentication is required (HTTP Basic with client_id and client_secret)',
      );
    }
    const client = this.clients.authenticate(id, secret);
    if (!client) throw OAuthError.invalidClient();
    return client;
  }
}
