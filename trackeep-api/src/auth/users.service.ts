import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import type { GatewayIdentity } from './gateway-client.service';
import { TokenCipher, TokenDecryptionError } from './token-cipher.service';
import { UserEntity } from './user.entity';

/** Users and their encrypted GitHub token. The only place that reads or writes `github_token_enc`. */
@Injectable()
export class UsersService {
  private readonly logger = new Logger(UsersService.name);

  constructor(
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly cipher: TokenCipher,
  ) {}

  findById(id: string): Promise<UserEntity | null> {
    return this.users.findOneBy({ id });
  }

  /**
   * Creates or updates the user named by the stable GitHub subject (host + numeric id) and stores the new
   * token encrypted. Cached ETags belong to the previous token, so they go.
   */
  async upsertFromSignIn(
    identity: GatewayIdentity,
    githubToken: string,
    scopes: string[],
  ): Promise<UserEntity> {
    return this.dataSource.transaction(async (tx) => {
      const [{ id }] = (await tx.query(
        `INSERT INTO users (github_host, github_id, login, name, email, avatar_url, scopes, last_login_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, now())
         ON CONFLICT (github_host, github_id) DO UPDATE SET
           login = EXCLUDED.login, name = EXCLUDED.name, email = EXCLUDED.email, avatar_url = EXCLUDED.avatar_url,
           scopes = EXCLUDED.scopes, last_login_at = now(), updated_at = now()
         RETURNING id`,
        [
          identity.githubHost,
          identity.githubId,
          identity.login,
          identity.name,
          identity.email,
          identity.avatarUrl,
          scopes,
        ],
      )) as Array<{ id: string }>;
      await tx.query(
        `UPDATE users SET github_token_enc = $2, token_updated_at = now(), reauth_required = false WHERE id = $1`,
        [id, this.cipher.encrypt(githubToken, id)],
      );
      await tx.query(`DELETE FROM github_etags WHERE user_id = $1`, [id]);
      return tx.getRepository(UserEntity).findOneByOrFail({ id });
    });
  }

  /**
   * The user's GitHub token in plaintext, or null when there is none usable (never stored, revoked, or
   * undecryptable — the last is logged and flags the user for sign-in). Re-encrypts under the newest key
   * when it was written with an older one.
   */
  async githubToken(userId: string): Promise<string | null> {
    const row = await this.users
      .createQueryBuilder('u')
      .select(['u.id', 'u.reauthRequired'])
      .addSelect('u.githubTokenEnc')
      .where('u.id = :userId', { userId })
      .getOne();
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
      await this.users.update({ id: userId }, { githubTokenEnc: this.cipher.encrypt(token, userId) });
    }
    return token;
  }

  async markReauthRequired(userId: string): Promise<void> {
    await this.users.update({ id: userId }, { reauthRequired: true, updatedAt: new Date() });
  }

  /** Forgets the token (after revoking the grant): the user signs in again to use GitHub features. */
  async clearGithubToken(userId: string): Promise<void> {
    await this.dataSource.transaction(async (tx) => {
      await tx.query(
        `UPDATE users SET github_token_enc = NULL, token_updated_at = now(), reauth_required = true, updated_at = now() WHERE id = $1`,
        [userId],
      );
      await tx.query(`DELETE FROM github_etags WHERE user_id = $1`, [userId]);
    });
  }
}
