import { Injectable, Logger } from '@nestjs/common';
import { GatewayClient, type GithubRefreshedTokens } from './gateway-client.service';
import { TokenCipher, TokenDecryptionError } from './token-cipher.service';
import { UsersRepository, type SealedGithubTokens, type StoredToken } from './users.repository';

/** A token expiring sooner than this is refreshed before it is used. */
export const GITHUB_TOKEN_REFRESH_MARGIN_MS = 5 * 60_000;
/**
 * A 401 whose token the caller cannot name, this soon after the token was replaced, is most likely a client
 * still holding the token the rotation revoked: it gets the new token instead of rotating again (which would
 * revoke the other replica's in turn).
 */
const ROTATION_GRACE_MS = 10 * 60_000;

/** Why a refresh is attempted: the token is about to expire, or GitHub just rejected it (401). */
export type RefreshTrigger = 'expiring' | 'rejected';

/**
 * `fresh`: a usable token (refreshed now, or by another replica meanwhile). `reauth`: the user was flagged to
 * sign in again. `unavailable`: the gateway or GitHub failed transiently; nothing was spent or changed.
 */
export type RefreshResult =
  { kind: 'fresh'; token: string; expiresAt: Date | null } | { kind: 'reauth' } | { kind: 'unavailable' };

export function expiresSoon(expiresAt: Date, now = Date.now()): boolean {
  return expiresAt.getTime() - now < GITHUB_TOKEN_REFRESH_MARGIN_MS;
}

/**
 * Refreshes expiring GitHub user tokens through the gateway. The refresh token is single-use and the gateway
 * ends the sign-in when it sees one twice, so every refresh runs under the user's row lock (shared by all
 * replicas), re-reads the row first (another replica may have refreshed meanwhile), and commits the rotated
 * pair before anyone uses it. Within one process, concurrent callers for one user share one attempt.
 */
@Injectable()
export class GithubTokenRefresher {
  private readonly logger = new Logger(GithubTokenRefresher.name);
  private readonly inFlight = new Map<string, Promise<RefreshResult>>();

  constructor(
    private readonly users: UsersRepository,
    private readonly cipher: TokenCipher,
    private readonly gateway: GatewayClient,
  ) {}

  /** `rejectedToken`: the token GitHub answered 401 to, when the caller knows it. */
  refresh(userId: string, trigger: RefreshTrigger, rejectedToken?: string): Promise<RefreshResult> {
    const running = this.inFlight.get(userId);
    if (running) return running;
    const attempt = this.refreshLocked(userId, trigger, rejectedToken).finally(() =>
      this.inFlight.delete(userId),
    );
    this.inFlight.set(userId, attempt);
    return attempt;
  }

  private refreshLocked(
    userId: string,
    trigger: RefreshTrigger,
    rejectedToken: string | undefined,
  ): Promise<RefreshResult> {
    return this.users.withTokenLock(userId, async (row, tx) => {
      if (!row?.githubTokenEnc || row.reauthRequired) return { kind: 'reauth' };
      const now = Date.now();
      const stored = this.open(row.githubTokenEnc, userId);
      let renewedElsewhere: boolean;
      if (trigger === 'expiring')
        renewedElsewhere = row.expiresAt !== null && !expiresSoon(row.expiresAt, now);
      else if (rejectedToken !== undefined) renewedElsewhere = stored !== null && stored !== rejectedToken;
      else
        renewedElsewhere =
          row.refreshTokenEnc !== null &&
          row.updatedAt !== null &&
          now - row.updatedAt.getTime() < ROTATION_GRACE_MS;
      if (renewedElsewhere && stored !== null)
        return { kind: 'fresh', token: stored, expiresAt: row.expiresAt };
      const refreshToken = this.usableRefreshToken(row, userId, now);
      if (refreshToken === null) {
        await this.users.markReauthRequired(userId, tx);
        return { kind: 'reauth' };
      }
      const outcome = await this.gateway.refreshGithubToken(refreshToken);
      if (outcome.kind === 'rejected') {
        this.logger.warn(
          `user ${userId}: GitHub token refresh refused (${outcome.reason}); the user must sign in again`,
        );
        await this.users.markReauthRequired(userId, tx);
        return { kind: 'reauth' };
      }
      if (outcome.kind === 'unavailable') {
        this.logger.warn(
          `user ${userId}: GitHub token refresh failed for now (${outcome.reason}); will retry`,
        );
        return { kind: 'unavailable' };
      }
      const sealed = this.seal(outcome.tokens, userId, now);
      await this.users.storeRefreshedToken(tx, userId, sealed);
      this.logger.log(`user ${userId}: GitHub token refreshed (${trigger})`);
      return { kind: 'fresh', token: outcome.tokens.github_access_token, expiresAt: sealed.expiresAt };
    });
  }

  /** The refresh token in plaintext, or null when there is none that could still work. */
  private usableRefreshToken(row: StoredToken, userId: string, now: number): string | null {
    if (!row.refreshTokenEnc) {
      // A token that does not expire has nothing to refresh with: GitHub's 401 stands.
      if (row.expiresAt !== null)
        this.logger.warn(
          `user ${userId}: the GitHub token expires and has no refresh token; the user must sign in again`,
        );
      return null;
    }
    if (row.refreshExpiresAt !== null && row.refreshExpiresAt.getTime() <= now) {
      this.logger.warn(`user ${userId}: the GitHub refresh token has expired; the user must sign in again`);
      return null;
    }
    return this.open(row.refreshTokenEnc, userId);
  }

  private open(sealed: string, userId: string): string | null {
    try {
      return this.cipher.decrypt(sealed, userId);
    } catch (err) {
      if (!(err instanceof TokenDecryptionError)) throw err;
      this.logger.error(`user ${userId}: ${err.message}; the user must sign in again`);
      return null;
    }
  }

  private seal(tokens: GithubRefreshedTokens, userId: string, now: number): SealedGithubTokens {
    return sealGithubTokens(this.cipher, userId, now, {
      token: tokens.github_access_token,
      expiresIn: tokens.github_token_expires_in,
      refreshToken: tokens.github_refresh_token,
      refreshExpiresIn: tokens.github_refresh_token_expires_in,
    });
  }
}

/** A GitHub token as the gateway hands it out: lifetimes in seconds, absent for a token that does not expire. */
export interface IssuedGithubToken {
  token: string;
  expiresIn?: number;
  refreshToken?: string;
  refreshExpiresIn?: number;
}

export function sealGithubTokens(
  cipher: TokenCipher,
  userId: string,
  now: number,
  issued: IssuedGithubToken,
): SealedGithubTokens {
  const at = (seconds: number | undefined) =>
    typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0
      ? new Date(now + seconds * 1000)
      : null;
  const refreshToken = typeof issued.refreshToken === 'string' ? issued.refreshToken : null;
  return {
    githubTokenEnc: cipher.encrypt(issued.token, userId),
    expiresAt: at(issued.expiresIn),
    refreshTokenEnc: refreshToken ? cipher.encrypt(refreshToken, userId) : null,
    refreshExpiresAt: refreshToken ? at(issued.refreshExpiresIn) : null,
  };
}
