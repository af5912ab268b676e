import { Injectable, Logger } from '@nestjs/common';
import { ClientRegistry } from '../clients/client-registry.service';
import { randomToken, sealWithCode, sha256Hex } from '../common/crypto.util';
import { GatewayEnv, gatewayUrls } from '../config/gateway-env';
import { subjectOf } from '../github/github-identity.type';
import { GithubStrategy } from '../github/github.strategy';
import { AuthorizationCodeRepository } from '../token/authorization-code.repository';
import { checkAuthorizationRequest, redirectWith } from './authorization-request.util';
import { MembershipPolicy } from './membership-policy.service';
import {
  PendingAuthorizationStateStore,
  type PendingCallbackRequest,
  type SignInStart,
} from './pending-authorization.state-store';
import { GatewayMetricsService } from '../metrics/gateway-metrics.service';

export const PENDING_TTL_SECONDS = 600;
export const CODE_TTL_SECONDS = 60;

export type AuthorizeOutcome =
  | { type: 'page'; status: number; title: string; message: string }
  | { type: 'redirect'; location: string; browserBinding?: string };

const STATE_FAILED = (reason: string): AuthorizeOutcome => ({
  type: 'page',
  status: 403,
  title: 'Sign-in could not be verified',
  message: `This sign-in response does not belong to a sign-in started in this browser, or it was already used or has expired (${reason}).`,
});

@Injectable()
export class AuthorizeService {
  private readonly logger = new Logger(AuthorizeService.name);
  private readonly issuer: string;

  constructor(
    private readonly env: GatewayEnv,
    private readonly clients: ClientRegistry,
    private readonly github: GithubStrategy,
    private readonly states: PendingAuthorizationStateStore,
    private readonly codes: AuthorizationCodeRepository,
    private readonly policy: MembershipPolicy,
    private readonly metrics: GatewayMetricsService,
  ) {
    this.issuer = gatewayUrls(env).issuer;
  }

  /** GET /auth/github: validate, remember the request, send the browser to GitHub with our own state and PKCE. */
  async start(query: Record<string, unknown>): Promise<AuthorizeOutcome> {
    const check = checkAuthorizationRequest(query, (id) => this.clients.get(id));
    if (check.kind === 'page') {
      this.logger.warn(`authorization request refused without redirect: ${check.message}`);
      return { type: 'page', status: check.status, title: 'Sign-in request refused', message: check.message };
    }
    if (check.kind === 'redirect') {
      const location = redirectWith(check.redirectUri, {
        error: check.error,
        error_description: check.description,
        state: check.state,
        iss: this.issuer,
      });
      return { type: 'redirect', location };
    }
    const { request } = check;
    const browserBinding = randomToken();
    const scopes = new Set(this.env.GITHUB_SCOPES.split(/[\s,]+/).filter(Boolean));
    if (MembershipPolicy.needsOrgScope(request.client)) scopes.add('read:org');
    const githubScope = [...scopes].join(' ');
    const start: SignInStart = {
      browserBinding,
      pending: {
        client_id: request.client.client_id,
        redirect_uri: request.redirectUri,
        client_state: request.state,
        code_challenge: request.codeChallenge,
        nonce: request.nonce,
        scope: request.scope,
        github_scope: githubScope,
        ttlSeconds: PENDING_TTL_SECONDS,
      },
    };
    const location = await this.github.authorizeUrl(githubScope, start);
    return { type: 'redirect', location, browserBinding };
  }

  /**
   * GET /auth/github/callback. The state is checked before anything else, and GitHub's code is exchanged only
   * once the state is known, unexpired, unused and bound to this browser's cookie.
   */
  async callback(query: Record<string, unknown>, cookie: string | undefined): Promise<AuthorizeOutcome> {
    const githubCode = typeof query['code'] === 'string' && query['code'] ? query['code'] : null;
    const githubError = typeof query['error'] === 'string' ? query['error'] : null;
    const req: PendingCallbackRequest = {
      query: { code: githubCode, state: query['state'] },
      browserBinding: cookie,
    };
    // With a code, passport-oauth2 asks the state store before it exchanges the code; without one (GitHub
    // redirects back with an error), the same check runs here.
    const exchanged = githubCode && !githubError ? await this.github.complete(req) : null;
    const check = req.check ?? (await this.states.check(query['state'], cookie));
    if (check.status === 'refused') return this.stateFailed(check.reason);
    if (check.status === 'unregistered') {
      return {
        type: 'page',
        status: 400,
        title: 'Sign-in request refused',
        message: 'This application is no longer registered with the sign-in gateway.',
      };
    }
    const { pending, client } = check;
    const back = (params: Record<string, string>): AuthorizeOutcome => ({
      type: 'redirect',
      location: redirectWith(pending.redirect_uri, {
        ...params,
        state: pending.client_state,
        iss: this.issuer,
      }),
    });

    if (githubError) {
      this.metrics.signInEnded(githubError === 'access_denied' ? 'denied_by_user' : 'failed');
      return githubError === 'access_denied'
        ? back({
            error: 'access_denied',
            error_description: 'the user did not authorize the GitHub application',
          })
        : back({ error: 'server_error', error_description: 'GitHub could not complete the sign-in' });
    }
    if (!exchanged) {
      this.metrics.signInEnded('failed');
      return back({ error: 'server_error', error_description: 'GitHub returned no authorization code' });
    }
    if (exchanged.outcome !== 'signed-in') {
      const unavailable = exchanged.outcome === 'failed' && exchanged.error.kind === 'unavailable';
      const reason = exchanged.outcome === 'failed' ? exchanged.error.message : 'no identity';
      this.logger.warn(`GitHub sign-in failed for client ${client.client_id}: ${reason}`);
      this.metrics.signInEnded('failed');
      return back({
        error: unavailable ? 'temporarily_unavailable' : 'server_error',
        error_description: unavailable
          ? 'GitHub is not reachable, try again shortly'
          : 'GitHub refused the sign-in',
      });
    }
    const { token, identity } = exchanged.signIn;

    if (!(await this.policy.allows(client, token.access_token, identity.login))) {
      this.metrics.signInEnded('denied_by_policy');
      this.logger.log(
        `sign-in of ${subjectOf(identity)} denied by the org/team policy of client ${client.client_id}`,
      );
      return back({
        error: 'access_denied',
        error_description:
          'your GitHub account is not in an organization or team allowed to use this instance',
      });
    }

    const code = randomToken(32);
    await this.codes.create({
      code_hash: sha256Hex(code),
      client_id: client.client_id,
      redirect_uri: pending.redirect_uri,
      code_challenge: pending.code_challenge,
      nonce: pending.nonce,
      scope: pending.scope,
      subject: subjectOf(identity),
      identity,
      github_token_sealed: sealWithCode(JSON.stringify(token), code),
      ttlSeconds: CODE_TTL_SECONDS,
    });
    this.logger.log(`issued an authorization code to client ${client.client_id} for ${subjectOf(identity)}`);
    this.metrics.signInEnded('completed');
    return back({ code });
  }

  private stateFailed(reason: string): AuthorizeOutcome {
    this.logger.warn(`GitHub callback refused: ${reason}`);
    this.metrics.signInEnded(reason === 'state expired' ? 'expired' : 'failed');
    return STATE_FAILED(reason);
  }
}
