import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { ApiException } from '../common/api-exception';
import type { AuthenticatedRequestFields, SessionUser } from './session-user.type';

export type { SessionUser } from './session-user.type';

/** `@CurrentUser() user: SessionUser` — the session's user; only on routes the SessionGuard protects. */
export const CurrentUser = createParamDecorator((_data: unknown, ctx: ExecutionContext): SessionUser => {
  const req = ctx.switchToHttp().getRequest<AuthenticatedRequestFields>();
  if (!req.user) throw ApiException.unauthorized('session_missing', 'Sign in first');
  return req.user;
});
