import { Injectable, Logger } from '@nestjs/common';
import type { GatewayIdentity } from './gateway-client.service';
import {
  expiresSoon,
  GithubTokenRefresher,
  sealGithubTokens,
  type IssuedGithubToken,
} from './github-token-refresher.service';
import { GithubTokenUnavailableException } from './github-token-unavailable.exception';
import { TokenCipher, TokenDecryptionError } from './token-cipher.service';
import type { User } from './user.type';
import { UsersRepository } from './users.repository';

/** What a 401 from GitHub led to: the user must sign in again, or a renewed token can be used after all. */
export type RejectionOutcome = 'reauth_required' | 'renewed' | 'retry_later';

/** Users and their encrypted GitHub token: the token is sealed here and never leaves the process encrypted. */
@Injectable()
export class UsersService {
  private readonly logger = new Logger(UsersService.name);
  private readonly tokenReplaced = new Set<(userId: string) => Promise<void>>();

  constructor(
    private readonly users: UsersRepository,
    private readonly cipher: TokenCipher,
    private readonly refresher: GithubTokenRefresher,
  ) {}

  findById(id: string): Promise<User | null> {
    return this.users.findById(id);
  }

  /** The people using Trackeep now: a live session and a stored token. */
  withLiveSession(): Promise<string[]> {
    return this.users.withLiveSession();
  }

  /**
   * Runs `listener` after a user's token was replaced by a sign-in or forgotten (what was cached under the old
   * one, such as ETags, no longer applies). A failing listener is logged, never fails the sign-in.
   */
  onTokenReplaced(listener: (userId: string) => Promise<void>): void {
    this.tokenReplaced.add(listener);
  }

  /**
   * Creates or updates the user named by the stable GitHub subject (host + numeric id) and stores the new
   * token (and, for an expiring one, its refresh token) encrypted.
   */
  async upsertFromSignIn(
    identity: GatewayIdentity,
    githubToken: string | IssuedGithubToken,
    scopes: string[],
  ): Promise<User> {
    const issued = typeof githubToken === 'string' ? { token: githubToken } : githubToken;
    const now = Date.now();
    const user = await this.users.signIn(identity, scopes, (userId) =>
      sealGithubTokens(this.cipher, userId, now, issued),
    );
    await this.announceTokenReplaced(user.id);
    return user;
  }

  /**
   * The user's GitHub token in plaintext, or null when there is none usable (never stored, revoked, refresh
   * refused, or undecryptable — the last two flag the user for sign-in). An expiring token is refreshed first
   * when it expires within GITHUB_TOKEN_REFRESH_MARGIN_MS; if the gateway cannot refresh it just now, the old
   * one is used while it is still valid, and GithubTokenUnavailableException (503) is thrown once it is not.
   * Re-encrypts under the newest key when it was written with an older one.
   */
  async githubToken(userId: string): Promise<string | null> {
    const row = await this.users.findToken(userId);
    if (!row?.githubTokenEnc || row.reauthRequired) return null;
    let token: string;
    try {
      token = this.cipher.decrypt(row.githubTokenEnc, userId);
    } catch (err) {
      if (!(err instanceof TokenDecryptionError)) throw err;
      this.logger.error(`user ${userId}: ${err.message}; the user must sign in again`);
      await this.markReauthRequired(userId);
      return null;
    }
    if (row.expiresAt !== null && expiresSoon(row.expiresAt)) {
      const result = await this.refresher.refresh(userId, 'expiring');
      if (result.kind === 'fresh') return result.token;
      if (result.kind === 'reauth') return null;
      if (row.expiresAt.getTime() > Date.now()) return token;
      throw new GithubTokenUnavailableException(userId);
    }
    const refreshEnc = row.refreshTokenEnc;
    if (
      this.cipher.needsRotation(row.githubTokenEnc) ||
      (refreshEnc && this.cipher.needsRotation(refreshEnc))
    ) {
      await this.users.resealToken(
        userId,
        this.cipher.encrypt(token, userId),
        refreshEnc ? this.resealed(refreshEnc, userId) : null,
      );
    }
    return token;
  }

  /** The refresh token sealed under the newest key; null (sign in again once the token expires) if unreadable. */
  private resealed(sealed: string, userId: string): string | null {
    try {
      return this.cipher.encrypt(this.cipher.decrypt(sealed, userId), userId);
    } catch (err) {
      if (!(err instanceof TokenDecryptionError)) throw err;
      this.logger.error(`user ${userId}: the GitHub refresh token: ${err.message}`);
      return null;
    }
  }

  /**
   * GitHub answered 401 to the user's token. A token that expires is refreshed (it may simply have expired,
   * or another replica's refresh revoked the copy in use); if GitHub refuses the refresh too, or the token
   * does not expire, the user is flagged to sign in again. A transient refresh failure flags nobody.
   */
  async githubTokenRejected(userId: string, rejectedToken?: string): Promise<RejectionOutcome> {
    const result = await this.refresher.refresh(userId, 'rejected', rejectedToken);
    if (result.kind === 'fresh') return 'renewed';
    return result.kind === 'reauth' ? 'reauth_required' : 'retry_later';
  }

  markReauthRequired(userId: string): Promise<void> {
    return this.users.markReauthRequired(userId);
  }

  /** Forgets the token (after revoking the grant): the user signs in again to use GitHub features. */
  async clearGithubToken(userId: string): Promise<void> {
    await this.users.clearToken(userId);
    await this.announceTokenReplaced(userId);
  }

  private async announceTokenReplaced(userId: string): Promise<void> {
    for (const listener of this.tokenReplaced)
      await listener(userId).catch((err: Error) =>
        this.logger.warn(`after the token of user ${userId} changed: ${err.message}`),
      );
  }
}
