import { Controller, Get, Headers, HttpException, HttpStatus, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ClientRegistry } from '../clients/client-registry.service';
import { sha256Hex } from '../common/crypto.util';
import { AccessTokenRepository } from '../token/access-token.repository';
import { identityClaims } from '../token/token.service';

/** The seed's identity endpoint, also the OIDC userinfo endpoint: bearer = gateway access token. */
@Controller('api/v1/user')
export class UserController {
  constructor(
    private readonly tokens: AccessTokenRepository,
    private readonly clients: ClientRegistry,
  ) {}

  @Get('me')
  async me(
    @Headers('authorization') authorization: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    res.setHeader('Cache-Control', 'no-store');
    const bearer = /^Bearer ([\x21-\x7e]{1,512})$/i.exec(authorization?.trim() ?? '')?.[1];
    const found = bearer ? await this.tokens.findActive(sha256Hex(bearer)) : null;
    // A client that has been unregistered loses its tokens at once.
    const token = found && this.clients.get(found.client_id) ? found : null;
    if (!token) {
      res.setHeader('WWW-Authenticate', bearer ? 'Bearer error="invalid_token"' : 'Bearer');
      throw new HttpException(
        {
          statusCode: 401,
          error: 'Unauthorized',
          message: 'a valid gateway access token is required',
          code: 'invalid_token',
        },
        HttpStatus.UNAUTHORIZED,
      );
    }
    return identityClaims(token.subject, token.identity);
  }
}
