import { Controller, Get, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { GatewayEnv, gatewayUrls } from '../config/gateway-env';
import { AuthorizeService, PENDING_TTL_SECONDS, type AuthorizeOutcome } from './authorize.service';
import { errorPage } from './error-page';

/** The browser-facing half: our authorization endpoint and GitHub's redirect back to us. No CORS here. */
@Controller('auth/github')
@UseGuards(ThrottlerGuard)
export class AuthorizeController {
  /** `__Host-` (Secure, Path=/, no Domain) when the gateway is served over https. */
  private readonly cookieName: string;
  private readonly secure: boolean;

  constructor(
    private readonly authorize: AuthorizeService,
    env: GatewayEnv,
  ) {
    this.secure = gatewayUrls(env).issuer.startsWith('https://');
    this.cookieName = this.secure ? '__Host-gw_signin' : 'gw_signin';
  }

  @Get()
  async start(@Query() query: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const outcome = await this.authorize.start(query);
    if (outcome.type === 'redirect' && outcome.browserBinding) {
      res.cookie(this.cookieName, outcome.browserBinding, {
        httpOnly: true,
        secure: this.secure,
        sameSite: 'lax',
        path: '/',
        maxAge: PENDING_TTL_SECONDS * 1000,
      });
    }
    this.send(res, outcome);
  }

  @Get('callback')
  async callback(
    @Query() query: Record<string, unknown>,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const cookie = (req.cookies as Record<string, string> | undefined)?.[this.cookieName];
    const outcome = await this.authorize.callback(query, cookie);
    res.clearCookie(this.cookieName, { httpOnly: true, secure: this.secure, sameSite: 'lax', path: '/' });
    this.send(res, outcome);
  }

  private send(res: Response, outcome: AuthorizeOutcome): void {
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Pragma', 'no-cache');
    if (outcome.type === 'redirect') {
      res.redirect(303, outcome.location);
      return;
    }
    res.status(outcome.status).type('html').send(errorPage(outcome.title, outcome.message));
  }
}
