import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { CSRF_HEADER } from '@trackeep/contracts';
import type { Request, Response } from 'express';
import { ApiException } from '../common/api-exception';
import { AuthSettings } from './auth-settings';
import { CookieService } from './cookie.service';
import { IS_PUBLIC_KEY } from './public.decorator';
import { SessionService } from './session.service';
import type { AuthenticatedRequestFields } from './session-user.type';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Node lower-cases incoming header names. */
const CSRF_HEADER_NAME = CSRF_HEADER.toLowerCase();

/**
 * Global guard: every route needs a valid session unless marked @Public(). State-changing requests must also
 * carry the X-Trackeep-CSRF header (a cross-site form cannot set it, and CORS lets only configured origins
 * send it from script) and, when the browser sends an Origin, come from an allowed origin.
 */
@Injectable()
export class SessionGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly sessions: SessionService,
    private readonly cookies: CookieService,
    private readonly settings: AuthSettings,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;

    const req = context.switchToHttp().getRequest<Request & AuthenticatedRequestFields>();
    const res = context.switchToHttp().getResponse<Response>();
    if (!SAFE_METHODS.has(req.method)) this.checkCsrf(req);

    const token = this.cookies.readSession(req);
    if (!token) throw ApiException.unauthorized('session_missing', 'Sign in first');
    try {
      const { user, sessionId } = await this.sessions.resolve(token);
      req.user = user;
      req.sessionId = sessionId;
      return true;
    } catch (err) {
      if (err instanceof ApiException && err.getStatus() === 401) this.cookies.clearSession(res);
      throw err;
    }
  }

  private checkCsrf(req: Request): void {
    const header = req.headers[CSRF_HEADER_NAME];
    if (typeof header !== 'string' || header.length === 0) {
      throw ApiException.forbidden(
        'csrf_rejected',
        'State-changing requests must send the X-Trackeep-CSRF header',
      );
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !this.settings.allowedOrigins.has(origin)) {
      throw ApiException.forbidden('csrf_rejected', 'Requests from this origin are not allowed');
    }
  }
}
