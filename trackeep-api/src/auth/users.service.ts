import { Injectable, Logger } from '@nestjs/common';
import type { GatewayIdentity } from './gateway-client.service';
import { TokenCipher, TokenDecryptionError } from './token-cipher.service';
import type { User } from './user.type';
import { UsersRepository } from './users.repository';

/** Users and their encrypted GitHub token: the token is sealed here and never leaves the process encrypted. */
@Injectable()
export class UsersService {
  private readonly logger = new Logger(UsersService.name);

  constructor(
    private readonly users: UsersRepository,
    private readonly cipher: TokenCipher,
  ) {}

  findById(id: string): Promise<User | null> {
    return this.users.findById(id);
  }

  /**
   * Creates or updates the user named by the stable GitHub subject (host + numeric id) and stores the new
   * token encrypted. Cached ETags belong to the previous token, so they go.
   */
  upsertFromSignIn(identity: GatewayIdentity, githubToken: string, scopes: string[]): Promise<User> {
    return this.users.signIn(identity, scopes, (userId) => this.cipher.encrypt(githubToken, userId));
  }

  /**
   * The user's GitHub token in plaintext, or null when there is none usable (never stored, revoked, or
   * undecryptable — the last is logged and flags the user for sign-in). Re-encrypts under the newest key
   * when it was written with an older one.
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
    if (this.cipher.needsRotation(row.githubTokenEnc)) {
      await this.users.resealToken(userId, this.cipher.encrypt(token, userId));
    }
    return token;
  }

  markReauthRequired(userId: string): Promise<void> {
    return this.users.markReauthRequired(userId);
  }

  /** Forgets the token (after revoking the grant): the user signs in again to use GitHub features. */
  clearGithubToken(userId: string): Promise<void> {
    return this.users.clearToken(userId);
  }
}
