import { Injectable } from '@nestjs/common';
import { createMetricsRegistry, httpMetricsMiddleware } from '@trackeep/server-core';
import { Counter, type Registry } from 'prom-client';

/** How a sign-in (authorize -> GitHub -> callback) ended. */
export type SignInResult = 'completed' | 'denied_by_user' | 'denied_by_policy' | 'failed' | 'expired';
/** What the token endpoint answered. */
export type TokenResult = 'issued' | 'invalid_client' | 'invalid_grant' | 'invalid_request';
const REFRESH_RESULTS = [
  'refreshed',
  'invalid_client',
  'invalid_grant',
  'invalid_request',
  'server_error',
  'temporarily_unavailable',
] as const;
/** What the GitHub token refresh endpoint answered. */
export type GithubRefreshResult = (typeof REFRESH_RESULTS)[number];

/**
 * The gateway's Prometheus metrics: HTTP durations (every route) plus sign-in and token outcomes.
 * Label values are fixed vocabularies, never client ids or users.
 */
@Injectable()
export class GatewayMetricsService {
  readonly registry: Registry = createMetricsRegistry('oauth-gateway');
  /** Express middleware recording http_request_duration_seconds (installed in create-app.ts). */
  readonly httpMiddleware = httpMetricsMiddleware(this.registry);

  private readonly signIns = new Counter({
    name: 'gateway_sign_ins_total',
    help: 'Sign-ins that reached an end, by result',
    labelNames: ['result'],
    registers: [this.registry],
  });
  private readonly tokens = new Counter({
    name: 'gateway_token_requests_total',
    help: 'Token endpoint requests, by result',
    labelNames: ['result'],
    registers: [this.registry],
  });

  private readonly githubRefreshes = new Counter({
    name: 'gateway_github_refreshes_total',
    help: 'GitHub token refresh requests, by result',
    labelNames: ['result'],
    registers: [this.registry],
  });

  signInEnded(result: SignInResult): void {
    this.signIns.inc({ result });
  }

  tokenRequest(result: TokenResult): void {
    this.tokens.inc({ result });
  }

  /** `result`: the OAuth error code answered; codes outside the vocabulary count as invalid_request. */
  githubRefresh(result: string): void {
    this.githubRefreshes.inc({ result: REFRESH_RESULTS.find((r) => r === result) ?? 'invalid_request' });
  }
}
