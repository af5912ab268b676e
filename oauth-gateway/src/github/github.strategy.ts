import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { Socket } from 'node:net';
import type { oauth2tokenCallback } from 'oauth';
import { Passport } from 'passport';
import { Strategy, type Profile } from 'passport-github2';
import { InternalOAuthError, TokenError, type StateStore } from 'passport-oauth2';
import { GatewayEnv, gatewayUrls, type GatewayUrls } from '../config/gateway-env';
import { GITHUB_TIMEOUT_MS, GITHUB_USER_AGENT, GithubClient, GithubError } from './github.client';
import { githubTokenFrom, type GithubIdentity, type GithubToken } from './github-identity.type';
import { GithubStateStore } from './github-state-store';
import { runStrategy } from './run-strategy.util';

/** What a completed GitHub sign-in yields: the user's token and who they are. */
export interface GithubSignIn {
  token: GithubToken;
  identity: GithubIdentity;
}

/** GitHub's redirect back, as the strategy runs on it; validate records the sign-in here. */
export interface GithubCallbackRequest {
  query: Record<string, unknown>;
  signIn?: GithubSignIn;
}

export type GithubCallbackOutcome =
  | { outcome: 'signed-in'; signIn: GithubSignIn }
  /** The state store refused the state; GitHub's code was not used. */
  | { outcome: 'refused' }
  | { outcome: 'failed'; error: GithubError };

/**
 * The gateway as a client of GitHub's OAuth app: passport-github2 (passport-oauth2 underneath) builds the
 * authorize URL with its own state and S256 PKCE, exchanges GitHub's code and reads /user. GHES, GHE.com and
 * the simulator come through the URL options. The state store (pending sign-ins in Postgres) keeps the state
 * and the verifier, so any replica can finish a sign-in another started.
 */
@Injectable()
export class GithubStrategy extends PassportStrategy(Strategy, 'github', true) {
  private readonly urls: GatewayUrls;

  constructor(
    env: GatewayEnv,
    stateStore: GithubStateStore,
    private readonly github: GithubClient,
  ) {
    const urls = gatewayUrls(env);
    super({
      clientID: env.GITHUB_CLIENT_ID,
      clientSecret: env.GITHUB_CLIENT_SECRET,
      callbackURL: urls.githubRedirectUrl,
      authorizationURL: `${urls.githubWebUrl}/login/oauth/authorize`,
      tokenURL: `${urls.githubWebUrl}/login/oauth/access_token`,
      userProfileURL: `${urls.githubApiUrl}/user`,
      userAgent: GITHUB_USER_AGENT,
      customHeaders: { 'X-GitHub-Api-Version': '2022-11-28' },
      scopeSeparator: ' ',
      pkce: true,
      // A store object is passport-oauth2's state option: it makes, keeps and checks the state (and, with
      // PKCE, the verifier). @types/passport-oauth2 declares only the store forms without a verifier.
      store: stateStore as unknown as StateStore,
      passReqToCallback: true,
    });
    this.urls = urls;
    // node-oauth sets no timeout of its own.
    this._oauth2.setAgent(deadlineAgent(urls.githubWebUrl, GITHUB_TIMEOUT_MS));
    // GitHub answers a refused code exchange with 200 and {"error": …}; passport-oauth2 would see only a
    // missing token. Passed on as an error response, it becomes a TokenError naming GitHub's error code.
    const exchange = this._oauth2.getOAuthAccessToken.bind(this._oauth2);
    this._oauth2.getOAuthAccessToken = (code: string, params: unknown, callback?: oauth2tokenCallback) => {
      if (!callback) throw new TypeError('passport-oauth2 always passes token parameters and a callback');
      exchange(code, params, (err, accessToken, refreshToken, results) => {
        if (!err && !accessToken)
          callback({ statusCode: 400, data: JSON.stringify(results ?? {}) }, '', '', {});
        else callback(err, accessToken, refreshToken, results);
      });
    };
  }

  /**
   * The gateway runs this strategy itself (see authorizeUrl and complete), so it stays out of passport's
   * process-wide registry, where several gateways in one process (as in tests) would replace each other.
   */
  getPassportInstance(): InstanceType<typeof Passport> {
    return new Passport();
  }

  /**
   * GitHub's authorize URL for a new sign-in. `start` goes to the state store, which records it with the
   * verifier passport-oauth2 generated, and answers the state.
   */
  async authorizeUrl(scope: string, start: object): Promise<string> {
    const result = await runStrategy(this, { query: {} }, { scope, state: start });
    if (result.action !== 'redirect')
      throw new Error(`passport-oauth2 answered ${result.action}, not a redirect`);
    return result.url;
  }

  /**
   * GitHub's redirect back with a code. The state store checks the state before the code is used; then the
   * code is exchanged (with the stored verifier) and the identity read. Errors other than GitHub's (the state
   * store's database) are thrown.
   */
  async complete(callback: GithubCallbackRequest): Promise<GithubCallbackOutcome> {
    try {
      const result = await runStrategy(this, callback, {});
      if (result.action !== 'success' || !callback.signIn) return { outcome: 'refused' };
      return { outcome: 'signed-in', signIn: callback.signIn };
    } catch (err) {
      const error = asGithubError(err);
      if (!error) throw err;
      return { outcome: 'failed', error };
    }
  }

  /** Reads GitHub's /user through passport-github2; a failure is always reported as GitHub's. */
  override userProfile(accessToken: string, done: (err?: Error | null, profile?: Profile) => void): void {
    super.userProfile(accessToken, (err?: Error | null, profile?: Profile) => {
      if (err && !(err instanceof InternalOAuthError))
        return done(new GithubError('unavailable', `GET /user: ${err.message}`));
      done(err, profile);
    });
  }

  async validate(
    req: GithubCallbackRequest,
    accessToken: string,
    refreshToken: string | undefined,
    params: Record<string, unknown>,
    profile: Profile,
  ): Promise<GithubSignIn> {
    const user: unknown = '_json' in profile ? profile._json : null;
    if (
      typeof user !== 'object' ||
      user === null ||
      !('id' in user) ||
      typeof user.id !== 'number' ||
      !Number.isSafeInteger(user.id) ||
      !('login' in user) ||
      typeof user.login !== 'string'
    ) {
      throw new GithubError('rejected', 'GET /user returned no numeric id or login');
    }
    const fields: Record<string, unknown> = { ...user };
    const field = (name: string): string | null => {
      const value = fields[name];
      return typeof value === 'string' && value ? value : null;
    };
    const verifiedEmail = await this.github.primaryVerifiedEmail(accessToken);
    req.signIn = {
      // node-oauth hands the refresh token over separately and deletes it from params.
      token: githubTokenFrom(accessToken, { ...params, refresh_token: refreshToken }),
      identity: {
        github_host: this.urls.githubHost,
        github_id: user.id,
        login: user.login,
        name: field('name'),
        email: verifiedEmail ?? field('email'),
        email_verified: verifiedEmail !== null,
        avatar_url: field('avatar_url'),
      },
    };
    return req.signIn;
  }
}

/** passport-oauth2's and passport-github2's errors as the gateway's GithubError; null for anything else. */
export function asGithubError(err: unknown): GithubError | null {
  if (err instanceof GithubError) return err;
  if (err instanceof TokenError) return new GithubError('rejected', `token exchange refused: ${err.code}`);
  if (!(err instanceof InternalOAuthError)) return null;
  const cause: unknown = err.oauthError;
  const status =
    typeof cause === 'object' &&
    cause !== null &&
    'statusCode' in cause &&
    typeof cause.statusCode === 'number'
      ? cause.statusCode
      : null;
  if (status !== null)
    return new GithubError(status >= 500 ? 'unavailable' : 'rejected', `${err.message}: status ${status}`);
  const reason =
    typeof cause === 'object' && cause !== null && 'message' in cause && typeof cause.message === 'string'
      ? cause.message
      : 'no answer';
  return new GithubError('unavailable', `${err.message}: ${reason}`);
}

/**
 * An agent for `url`'s scheme that destroys a socket idle for `ms`, which fails its request. node-oauth uses
 * one agent for the token exchange and /user, so GITHUB_WEB_URL and GITHUB_API_URL share a scheme.
 */
export function deadlineAgent(url: string, ms: number): HttpAgent {
  const agent = url.startsWith('https:') ? new HttpsAgent() : new HttpAgent();
  const connect = agent.createConnection.bind(agent);
  agent.createConnection = (options, callback) => {
    const stream = connect(options, callback);
    if (stream instanceof Socket) stream.setTimeout(ms, () => stream.destroy(new Error('timed out')));
    return stream;
  };
  return agent;
}
