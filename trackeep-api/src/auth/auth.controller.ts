import { Body, Controller, Get, HttpCode, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import {
  ApiCookieAuth,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import { SkipThrottle, ThrottlerGuard } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { ApiErrorResponses } from '../common/api-error.dto';
import { AuthService, type CallbackParams } from './auth.service';
import { CookieService } from './cookie.service';
import { CurrentUser } from './current-user.decorator';
import { LoginQueryDto } from './dto/login-query.dto';
import { LogoutDto } from './dto/logout.dto';
import { MeDto } from './dto/me.dto';
import { Public } from './public.decorator';
import type { AuthenticatedRequestFields, SessionUser } from './session-user.type';

@ApiTags('auth')
@Controller('auth')
@UseGuards(ThrottlerGuard)
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly cookies: CookieService,
  ) {}

  @Get('login')
  @Public()
  @ApiOperation({
    summary: 'Start signing in: redirects (303) to the OAuth gateway with state, nonce and PKCE',
  })
  @ApiResponse({ status: 303, description: 'See Other: to the gateway authorization endpoint' })
  @ApiErrorResponses(400, 429, 503)
  async login(@Query() query: LoginQueryDto, @Res() res: Response): Promise<void> {
    const { redirectTo, transactionCookie } = await this.auth.startLogin(query.returnTo);
    this.cookies.setLogin(res, transactionCookie);
    res.setHeader('Cache-Control', 'no-store');
    res.redirect(303, redirectTo);
  }

  @Get('oauth/callback')
  @Public()
  @ApiOperation({
    summary:
      'OAuth redirect target: verifies state, redeems the code, verifies the id_token, starts a session',
    description: 'Always 303: to `returnTo` on success, to `/?sign_in_error=<reason>` on failure.',
  })
  @ApiQuery({ name: 'code', required: false })
  @ApiQuery({ name: 'state', required: false })
  @ApiQuery({ name: 'iss', required: false })
  @ApiQuery({ name: 'error', required: false })
  @ApiResponse({ status: 303, description: 'See Other: to returnTo (success) or /?sign_in_error=<reason>' })
  @ApiErrorResponses(429)
  async callback(
    @Query() query: Record<string, unknown>,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const outcome = await this.auth.finishLogin(
      callbackParams(query),
      this.cookies.readLogin(req),
      this.cookies.readSession(req),
      req.headers['user-agent'],
    );
    this.cookies.clearLogin(res);
    if (outcome.ok) this.cookies.setSession(res, outcome.sessionToken);
    res.setHeader('Cache-Control', 'no-store');
    res.redirect(303, outcome.redirectTo);
  }

  @Get('me')
  @SkipThrottle()
  @ApiCookieAuth()
  @ApiOperation({ summary: 'The signed-in user and their GitHub profile (never the token)' })
  @ApiOkResponse({ type: MeDto })
  @ApiErrorResponses(401)
  me(@CurrentUser() user: SessionUser): Promise<MeDto> {
    return this.auth.me(user.id);
  }

  @Post('logout')
  @HttpCode(204)
  @ApiCookieAuth()
  @ApiHeader({ name: 'X-Trackeep-CSRF', required: true, description: 'Any non-empty value, e.g. 1' })
  @ApiOperation({
    summary: 'End this session; with revokeGitHub also revoke the GitHub grant through the gateway',
  })
  @ApiNoContentResponse({ description: 'Signed out; the session cookie is cleared' })
  @ApiErrorResponses(400, 401, 403, 429)
  async logout(
    @Body() body: LogoutDto,
    @Req() req: Request & AuthenticatedRequestFields,
    @Res({ passthrough: true }) res: Response,
  ): Promise<void> {
    const user = req.user as SessionUser;
    await this.auth.logout(user.id, req.sessionId as string, body.revokeGitHub === true);
    this.cookies.clearSession(res);
  }
}

/** Only short strings are taken from the callback query; anything else (arrays, objects, huge values) is ignored. */
function callbackParams(query: Record<string, unknown>): CallbackParams {
  const pick = (key: string) => {
    const value = query[key];
    return typeof value === 'string' && value.length > 0 && value.length <= 2048 ? value : undefined;
  };
  return { code: pick('code'), state: pick('state'), error: pick('error'), iss: pick('iss') };
}
