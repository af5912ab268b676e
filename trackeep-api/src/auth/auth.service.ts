import { Injectable, Logger } from '@nestjs/common';
import { isSafeReturnPath, type Me } from '@trackeep/contracts';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { ApiException } from '../common/api-exception';
import { GithubSettings } from '../github/github-settings';
import { AuthSettings, LOGIN_TX_TTL_SECONDS } from './auth-settings';
import { GatewayClient, SignInError } from './gateway-client.service';
import { LoginTransactionCipher } from './login-transaction.cipher';
import { SessionService } from './session.service';
import { UsersService } from './users.service';

/** What the short-lived, encrypted sign-in cookie carries between /auth/login and the callback. */
interface LoginTransaction extends Record<string, string> {
  state: string;
  nonce: string;
  verifier: string;
  returnTo: string;
}

export interface CallbackParams {
  code?: string;
  state?: string;
  error?: string;
  iss?: string;
}

export type CallbackOutcome =
  { ok: true; sessionToken: string; redirectTo: string } | { ok: false; reason: string; redirectTo: string };

@Injectable()
export class AuthService {
  private readonly logger = new Logger(AuthService.name);
  private readonly loginCipher: LoginTransactionCipher;

  constructor(
    private readonly gateway: GatewayClient,
    private readonly users: UsersService,
    private readonly sessions: SessionService,
    private readonly settings: AuthSettings,
    private readonly github: GithubSettings,
  ) {
    this.loginCipher = new LoginTransactionCipher(settings.jwtSecret);
  }

  /** Starts a sign-in: the gateway URL to redirect to, and the encrypted cookie value that remembers it. */
  async startLogin(returnTo: string | undefined): Promise<{ redirectTo: string; transactionCookie: string }> {
    const tx: LoginTransaction = {
      state: randomToken(),
      nonce: randomToken(),
      verifier: randomToken(48),
      returnTo: returnTo !== undefined && isSafeReturnPath(returnTo) ? returnTo : '/',
    };
    const redirectTo = await this.gateway.authorizationUrl({
      state: tx.state,
      nonce: tx.nonce,
      codeChallenge: createHash('sha256').update(tx.verifier).digest('base64url'),
    });
    const transactionCookie = await this.loginCipher.seal(tx, LOGIN_TX_TTL_SECONDS);
    return { redirectTo, transactionCookie };
  }

  /**
   * Finishes a sign-in. Every failure becomes a redirect to `/?sign_in_error=<reason>` (the browser is
   * navigating, not calling an API); the detailed reason goes to the log only.
   */
  async finishLogin(
    params: CallbackParams,
    transactionCookie: string | undefined,
    previousSessionCookie: string | undefined,
    userAgent: string | undefined,
  ): Promise<CallbackOutcome> {
    try {
      if (params.error)
        throw new SignInError(
          params.error === 'access_denied' ? 'access_denied' : 'gateway_error',
          `gateway returned error=${params.error}`,
        );
      const tx = await this.readTransaction(transactionCookie);
      if (!params.state || !sameString(params.state, tx.state))
        throw new SignInError('state_mismatch', "state does not match this browser's sign-in");
      if (params.iss !== undefined && params.iss.replace(/\/+$/, '') !== this.settings.gateway?.issuer) {
        throw new SignInError('issuer_mismatch', 'iss parameter names another issuer');
      }
      if (!params.code) throw new SignInError('code_missing', 'no code in the callback');

      const tokens = await this.gateway.exchangeCode(params.code, tx.verifier);
      const identity = await this.gateway.verifyIdToken(tokens.id_token, tx.nonce);
      if (identity.githubHost !== this.github.host) {
        this.logger.error(
          `the gateway signs users in at GitHub host "${identity.githubHost}" but GITHUB_WEB_URL names "${this.github.host}"; fix the configuration`,
        );
        throw new SignInError('github_mismatch', 'gateway and API talk to different GitHub hosts');
      }
      const scopes = (tokens.github_token_scope ?? '').split(/[\s,]+/).filter(Boolean);
      const user = await this.users.upsertFromSignIn(
        identity,
        {
          token: tokens.github_access_token,
          expiresIn: tokens.github_token_expires_in,
          refreshToken: tokens.github_refresh_token,
          refreshExpiresIn: tokens.github_refresh_token_expires_in,
        },
        scopes,
      );

      // Session fixation defence: whatever session this browser had before is ended, and a new id is issued.
      if (previousSessionCookie) {
        const previous = await this.sessions.sessionIdOf(previousSessionCookie);
        if (previous) await this.sessions.revoke(previous);
      }
      const { token } = await this.sessions.create(user.id, userAgent);
      this.logger.log(`user ${user.id} (${user.login}) signed in`);
      return { ok: true, sessionToken: token, redirectTo: tx.returnTo };
    } catch (err) {
      if (err instanceof SignInError) {
        this.logger.warn(`sign-in failed (${err.reason}): ${err.message}`);
        return {
          ok: false,
          reason: err.reason,
          redirectTo: `/?sign_in_error=${encodeURIComponent(err.reason)}`,
        };
      }
      throw err;
    }
  }

  private async readTransaction(cookie: string | undefined): Promise<LoginTransaction> {
    if (!cookie)
      throw new SignInError(
        'state_mismatch',
        'no sign-in in progress in this browser (cookie missing or expired)',
      );
    try {
      const tx = await this.loginCipher.open(cookie);
      const { state, nonce, verifier, returnTo } = tx;
      if (
        typeof state !== 'string' ||
        typeof nonce !== 'string' ||
        typeof verifier !== 'string' ||
        typeof returnTo !== 'string' ||
        !isSafeReturnPath(returnTo)
      ) {
        throw new Error('malformed');
      }
      return { state, nonce, verifier, returnTo };
    } catch {
      throw new SignInError('state_mismatch', 'sign-in cookie is invalid or expired');
    }
  }

  async me(userId: string): Promise<Me> {
    const user = await this.users.findById(userId);
    if (!user) throw ApiException.unauthorized('session_revoked', 'This session has ended; sign in again');
    return {
      id: user.id,
      githubHost: user.githubHost,
      githubId: user.githubId,
      login: user.login,
      name: user.name,
      email: user.email,
      avatarUrl: user.avatarUrl,
      scopes: user.scopes,
    };
  }

  /** Ends the session; optionally revokes the GitHub grant at the gateway and forgets the token. */
  async logout(
    userId: string,
    sessionId: string,
    revokeGitHub: boolean,
  ): Promise<{ githubRevoked: boolean }> {
    await this.sessions.revoke(sessionId);
    if (!revokeGitHub) return { githubRevoked: false };
    const token = await this.users.githubToken(userId);
    const githubRevoked = token ? await this.gateway.revokeGithubToken(token) : false;
    await this.users.clearGithubToken(userId);
    return { githubRevoked };
  }
}

function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

function sameString(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
