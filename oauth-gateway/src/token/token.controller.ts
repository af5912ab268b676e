import { Body, Controller, Headers, HttpCode, Post, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { OAuthError, OAuthErrorFilter } from '../common/oauth-error';
import { GatewayMetricsService } from '../metrics/gateway-metrics.service';
import { ClientAuthenticator } from './client-authenticator.service';
import { GithubRefreshService, type GithubTokenFields } from './github-refresh.service';
import { RevocationService } from './revocation.service';
import { TokenService, type TokenResponse } from './token.service';

/** The back channel: instances (servers) call these with their client credentials. */
@Controller('oauth')
@UseGuards(ThrottlerGuard)
@UseFilters(OAuthErrorFilter)
export class TokenController {
  constructor(
    private readonly auth: ClientAuthenticator,
    private readonly tokens: TokenService,
    private readonly revocation: RevocationService,
    private readonly githubRefresh: GithubRefreshService,
    private readonly metrics: GatewayMetricsService,
  ) {}

  @Post('token')
  @HttpCode(200)
  async token(
    @Req() req: Request,
    @Headers('authorization') authorization: string | undefined,
    @Body() body: Record<string, unknown> | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<TokenResponse> {
    let response: TokenResponse;
    try {
      const form = formBody(req, body);
      const client = this.auth.authenticate(authorization, form);
      response = await this.tokens.exchange(client, form);
    } catch (err) {
      const code = err instanceof OAuthError ? err.error : '';
      this.metrics.tokenRequest(
        code === 'invalid_client' || code === 'invalid_grant' ? code : 'invalid_request',
      );
      throw err;
    }
    this.metrics.tokenRequest('issued');
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Pragma', 'no-cache');
    return response;
  }

  /** Not an OAuth grant of the gateway's own: the GitHub refresh grant, made with the gateway's GitHub app. */
  @Post('github/refresh')
  @HttpCode(200)
  async githubTokenRefresh(
    @Req() req: Request,
    @Headers('authorization') authorization: string | undefined,
    @Body() body: Record<string, unknown> | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<GithubTokenFields> {
    let response: GithubTokenFields;
    try {
      const form = formBody(req, body);
      const client = this.auth.authenticate(authorization, form);
      response = await this.githubRefresh.refresh(client, form);
    } catch (err) {
      this.metrics.githubRefresh(err instanceof OAuthError ? err.error : 'server_error');
      throw err;
    }
    this.metrics.githubRefresh('refreshed');
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Pragma', 'no-cache');
    return response;
  }

  @Post('revoke')
  @HttpCode(200)
  async revoke(
    @Req() req: Request,
    @Headers('authorization') authorization: string | undefined,
    @Body() body: Record<string, unknown> | undefined,
  ): Promise<void> {
    const form = formBody(req, body);
    const client = this.auth.authenticate(authorization, form);
    await this.revocation.revoke(client, form);
  }
}

function formBody(req: Request, body: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!req.is('application/x-www-form-urlencoded'))
    throw OAuthError.invalidRequest('the body must be application/x-www-form-urlencoded');
  return body ?? {};
}
