import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';

/** An RFC 6749 §5.2 error: `{ error, error_description }` with the status and headers the RFC asks for. */
export class OAuthError extends HttpException {
  constructor(
    readonly error: string,
    readonly description: string,
    status = 400,
    readonly headers: Record<string, string> = {},
  ) {
    super({ error, error_description: description }, status);
  }

  static invalidClient(description = 'client authentication failed'): OAuthError {
    return new OAuthError('invalid_client', description, 401, {
      'WWW-Authenticate': 'Basic realm="oauth-gateway", charset="UTF-8"',
    });
  }

  static invalidGrant(description: string): OAuthError {
    return new OAuthError('invalid_grant', description);
  }

  static invalidRequest(description: string): OAuthError {
    return new OAuthError('invalid_request', description);
  }
}

@Catch(OAuthError)
export class OAuthErrorFilter implements ExceptionFilter {
  catch(exception: OAuthError, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    for (const [name, value] of Object.entries(exception.headers)) res.setHeader(name, value);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Pragma', 'no-cache');
    res
      .status(exception.getStatus())
      .json({ error: exception.error, error_description: exception.description });
  }
}
