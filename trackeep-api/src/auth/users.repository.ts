import { Injectable } from '@nestjs/common';
import { inTransaction, type SqlExecutor } from '@trackeep/server-core';
import { Kysely, sql, type Selectable } from 'kysely';
import type { DB, Users } from '../database/db.types';
import type { User, UserProfile } from './user.type';

/** The stored GitHub token: AES-256-GCM ciphertext (see TokenCipher) that never leaves the process. */
export interface StoredToken {
  githubTokenEnc: string | null;
  reauthRequired: boolean;
  /** Null for a token that does not expire. */
  expiresAt: Date | null;
  /** The single-use refresh token of an expiring token, sealed like the token. */
  refreshTokenEnc: string | null;
  refreshExpiresAt: Date | null;
  /** When the token was last replaced (sign-in or refresh). */
  updatedAt: Date | null;
}

/** A GitHub token as stored: both tokens sealed, expiries null for a token that does not expire. */
export interface SealedGithubTokens {
  githubTokenEnc: string;
  expiresAt: Date | null;
  refreshTokenEnc: string | null;
  refreshExpiresAt: Date | null;
}

const TOKEN_COLUMNS = [
  'github_token_enc',
  'reauth_required',
  'github_token_expires_at',
  'github_refresh_token_enc',
  'github_refresh_expires_at',
  'token_updated_at',
] as const;

const PROFILE = ['id', 'github_host', 'github_id', 'login', 'name', 'email', 'avatar_url', 'scopes'] as const;

/**
 * The SQL of `users`: profiles and the encrypted GitHub token and refresh token (the only place
 * `github_token_enc` and `github_refresh_token_enc` are read).
 */
@Injectable()
export class UsersRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async findById(id: string): Promise<User | null> {
    const row = await this.db.selectFrom('users').select(PROFILE).where('id', '=', id).executeTakeFirst();
    return row ? toUser(row) : null;
  }

  /**
   * Creates or updates the user named by `profile`'s host and id and stores their new tokens, sealed by
   * `seal(userId)` (the ciphertext is bound to the id). Cached ETags belong to the previous token, so they go.
   */
  signIn(
    profile: UserProfile,
    scopes: string[],
    seal: (userId: string) => SealedGithubTokens,
  ): Promise<User> {
    return inTransaction(this.db, async (tx) => {
      const { id } = await tx
        .insertInto('users')
        .values({
          github_host: profile.githubHost,
          github_id: profile.githubId,
          login: profile.login,
          name: profile.name,
          email: profile.email,
          avatar_url: profile.avatarUrl,
          scopes,
          last_login_at: sql<Date>`now()`,
        })
        .onConflict((oc) =>
          oc.columns(['github_host', 'github_id']).doUpdateSet((eb) => ({
            login: eb.ref('excluded.login'),
            name: eb.ref('excluded.name'),
            email: eb.ref('excluded.email'),
            avatar_url: eb.ref('excluded.avatar_url'),
            scopes: eb.ref('excluded.scopes'),
            last_login_at: sql<Date>`now()`,
            updated_at: sql<Date>`now()`,
          })),
        )
        .returning('id')
        .executeTakeFirstOrThrow();
      const user = await tx
        .updateTable('users')
        .set({ ...tokenColumns(seal(id)), token_updated_at: sql<Date>`now()`, reauth_required: false })
        .where('id', '=', id)
        .returning(PROFILE)
        .executeTakeFirstOrThrow();
      return toUser(user);
    });
  }

  /** Users with a stored token who have a live session: the people using Trackeep now. */
  async withLiveSession(): Promise<string[]> {
    const rows = await this.db
      .selectFrom('users as u')
      .select('u.id')
      .where('u.github_token_enc', 'is not', null)
      .where('u.reauth_required', '=', false)
      .where(({ exists, selectFrom }) =>
        exists(
          selectFrom('sessions as s')
            .select('s.id')
            .whereRef('s.user_id', '=', 'u.id')
            .where('s.expires_at', '>', sql<Date>`now()`)
            .where('s.revoked_at', 'is', null),
        ),
      )
      .execute();
    return rows.map((r) => r.id);
  }

  async findToken(userId: string): Promise<StoredToken | null> {
    const row = await this.db
      .selectFrom('users')
      .select(TOKEN_COLUMNS)
      .where('id', '=', userId)
      .executeTakeFirst();
    return row ? toStoredToken(row) : null;
  }

  /**
   * The token, with the user's row locked until `tx` ends: every replica that refreshes a token takes this
   * lock first, so a single-use refresh token is only ever presented once.
   */
  async lockToken(tx: SqlExecutor<DB>, userId: string): Promise<StoredToken | null> {
    const row = await tx
      .selectFrom('users')
      .select(TOKEN_COLUMNS)
      .where('id', '=', userId)
      .forUpdate()
      .executeTakeFirst();
    return row ? toStoredToken(row) : null;
  }

  /** Runs `fn` in a transaction holding the user's row lock (see lockToken); what `fn` writes with `tx` commits. */
  withTokenLock<T>(
    userId: string,
    fn: (row: StoredToken | null, tx: SqlExecutor<DB>) => Promise<T>,
  ): Promise<T> {
    return inTransaction(this.db, async (tx) => fn(await this.lockToken(tx, userId), tx));
  }

  /** Replaces the token pair after a refresh; ETags stay valid (same user, same grant). */
  async storeRefreshedToken(tx: SqlExecutor<DB>, userId: string, sealed: SealedGithubTokens): Promise<void> {
    await tx
      .updateTable('users')
      .set({ ...tokenColumns(sealed), token_updated_at: sql<Date>`now()` })
      .where('id', '=', userId)
      .execute();
  }

  /** The same tokens sealed again (under the newest key). */
  async resealToken(userId: string, githubTokenEnc: string, refreshTokenEnc: string | null): Promise<void> {
    await this.db
      .updateTable('users')
      .set({ github_token_enc: githubTokenEnc, github_refresh_token_enc: refreshTokenEnc })
      .where('id', '=', userId)
      .execute();
  }

  async markReauthRequired(userId: string, db: SqlExecutor<DB> = this.db): Promise<void> {
    await db
      .updateTable('users')
      .set({ reauth_required: true, updated_at: sql<Date>`now()` })
      .where('id', '=', userId)
      .execute();
  }

  /** Forgets the token: the user signs in again to use GitHub features. */
  clearToken(userId: string): Promise<void> {
    return inTransaction(this.db, async (tx) => {
      await tx
        .updateTable('users')
        .set({
          github_token_enc: null,
          github_token_expires_at: null,
          github_refresh_token_enc: null,
          github_refresh_expires_at: null,
          token_updated_at: sql<Date>`now()`,
          reauth_required: true,
          updated_at: sql<Date>`now()`,
        })
        .where('id', '=', userId)
        .execute();
    });
  }
}

function toUser(row: Pick<Selectable<Users>, (typeof PROFILE)[number]>): User {
  return {
    id: row.id,
    githubHost: row.github_host,
    githubId: Number(row.github_id),
    login: row.login,
    name: row.name,
    email: row.email,
    avatarUrl: row.avatar_url,
    scopes: row.scopes,
  };
}

function toStoredToken(row: Pick<Selectable<Users>, (typeof TOKEN_COLUMNS)[number]>): StoredToken {
  return {
    githubTokenEnc: row.github_token_enc,
    reauthRequired: row.reauth_required,
    expiresAt: row.github_token_expires_at,
    refreshTokenEnc: row.github_refresh_token_enc,
    refreshExpiresAt: row.github_refresh_expires_at,
    updatedAt: row.token_updated_at,
  };
}

function tokenColumns(sealed: SealedGithubTokens) {
  return {
    github_token_enc: sealed.githubTokenEnc,
    github_token_expires_at: sealed.expiresAt,
    github_refresh_token_enc: sealed.refreshTokenEnc,
    github_refresh_expires_at: sealed.refreshExpiresAt,
  };
}
