import { Injectable } from '@nestjs/common';
import type { CookieOptions, Request, Response } from 'express';
import { AuthSettings, LOGIN_TX_TTL_SECONDS, SESSION_TTL_SECONDS } from './auth-settings';

/**
 * The two cookies the API sets. Both HttpOnly and SameSite=Lax (Lax so the top-level redirect back from the
 * gateway carries the sign-in cookie); Secure with the __Host- prefix (Path=/, no Domain) when served over https.
 */
@Injectable()
export class CookieService {
  constructor(private readonly settings: AuthSettings) {}

  private options(maxAgeSeconds: number): CookieOptions {
    return {
      httpOnly: true,
      sameSite: 'lax',
      secure: this.settings.secureCookies,
      path: '/',
      maxAge: maxAgeSeconds * 1000,
    };
  }

  readSession(req: Request): string | undefined {
    return readCookie(req, this.settings.sessionCookie);
  }

  setSession(res: Response, token: string): void {
    res.cookie(this.settings.sessionCookie, token, this.options(SESSION_TTL_SECONDS));
  }

  clearSession(res: Response): void {
    const { maxAge: _ignored, ...options } = this.options(0);
    res.clearCookie(this.settings.sessionCookie, options);
  }

  readLogin(req: Request): string | undefined {
    return readCookie(req, this.settings.loginCookie);
  }

  setLogin(res: Response, value: string): void {
    res.cookie(this.settings.loginCookie, value, this.options(LOGIN_TX_TTL_SECONDS));
  }

  clearLogin(res: Response): void {
    const { maxAge: _ignored, ...options } = this.options(0);
    res.clearCookie(this.settings.loginCookie, options);
  }
}

function readCookie(req: Request, name: string): string | undefined {
  const value = (req.cookies as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' && value.length > 0 && value.length < 8192 ? value : undefined;
}
