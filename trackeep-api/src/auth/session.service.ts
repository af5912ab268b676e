import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { ApiException } from '../common/api-exception';
import { SESSION_TTL_SECONDS } from './auth-settings';
import type { SessionUser } from './session-user.type';
import { SessionsRepository } from './sessions.repository';

const SESSION_ISSUER = 'trackeep-api';
const SESSION_AUDIENCE = 'trackeep-session';
/** last_seen_at is a hint for the sessions list, not worth a write on every request. */
const LAST_SEEN_RESOLUTION_MS = 5 * 60_000;

interface SessionClaims {
  sub: string;
  sid: string;
}

export interface ResolvedSession {
  sessionId: string;
  user: SessionUser;
}

/**
 * Sessions are a signed JWT (cookie) naming a row in `sessions`. The signature makes forged cookies cheap
 * to reject; the row makes logout and revocation immediate.
 */
@Injectable()
export class SessionService {
  constructor(
    private readonly jwt: JwtService,
    private readonly sessions: SessionsRepository,
  ) {}

  async create(userId: string, userAgent: string | undefined): Promise<{ token: string; sessionId: string }> {
    const sessionId = await this.sessions.create(
      userId,
      new Date(Date.now() + SESSION_TTL_SECONDS * 1000),
      userAgent?.slice(0, 512) ?? null,
    );
    const token = await this.jwt.signAsync({ sid: sessionId } satisfies Omit<SessionClaims, 'sub'>, {
      subject: userId,
      issuer: SESSION_ISSUER,
      audience: SESSION_AUDIENCE,
      expiresIn: SESSION_TTL_SECONDS,
      algorithm: 'HS256',
    });
    return { token, sessionId };
  }

  /** The session named by a cookie value, or a 401 saying why not. */
  async resolve(token: string): Promise<ResolvedSession> {
    let claims: SessionClaims;
    try {
      claims = await this.jwt.verifyAsync<SessionClaims>(token, {
        issuer: SESSION_ISSUER,
        audience: SESSION_AUDIENCE,
        algorithms: ['HS256'],
      });
    } catch (err) {
      if ((err as Error).name === 'TokenExpiredError')
        throw ApiException.unauthorized('session_expired', 'Your session has expired; sign in again');
      throw ApiException.unauthorized('session_missing', 'The session cookie is not valid; sign in again');
    }
    if (typeof claims.sid !== 'string' || typeof claims.sub !== 'string' || !UUID.test(claims.sid)) {
      throw ApiException.unauthorized('session_missing', 'The session cookie is not valid; sign in again');
    }
    const session = await this.sessions.find(claims.sid);
    if (!session || session.userId !== claims.sub || session.revokedAt) {
      throw ApiException.unauthorized('session_revoked', 'This session has ended; sign in again');
    }
    if (session.expiresAt.getTime() <= Date.now()) {
      throw ApiException.unauthorized('session_expired', 'Your session has expired; sign in again');
    }
    if (!session.user)
      throw ApiException.unauthorized('session_revoked', 'This session has ended; sign in again');
    if (Date.now() - session.lastSeenAt.getTime() > LAST_SEEN_RESOLUTION_MS) {
      await this.sessions.touch(session.id);
    }
    return { sessionId: session.id, user: session.user };
  }

  /** Ends one session; true if it was active. */
  revoke(sessionId: string): Promise<boolean> {
    return this.sessions.revoke(sessionId);
  }

  /** Those of `sessionIds` that are still active (neither ended nor expired). */
  activeSessionIds(sessionIds: readonly string[]): Promise<string[]> {
    return this.sessions.activeIds(sessionIds);
  }

  /**
   * The session id inside a cookie whose signature checks out, even if expired — for revoking a
   * pre-existing session at sign-in (fixation defence) without trusting anything else in it.
   */
  async sessionIdOf(token: string): Promise<string | null> {
    try {
      const claims = await this.jwt.verifyAsync<SessionClaims>(token, {
        issuer: SESSION_ISSUER,
        audience: SESSION_AUDIENCE,
        algorithms: ['HS256'],
        ignoreExpiration: true,
      });
      return typeof claims.sid === 'string' && UUID.test(claims.sid) ? claims.sid : null;
    } catch {
      return null;
    }
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
