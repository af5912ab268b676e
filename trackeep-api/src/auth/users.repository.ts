import { Injectable } from '@nestjs/common';
import { inTransaction } from '@trackeep/server-core';
import { Kysely, sql, type Selectable } from 'kysely';
import type { DB, Users } from '../database/db.types';
import type { User, UserProfile } from './user.type';

/** The stored GitHub token: AES-256-GCM ciphertext (see TokenCipher) that never leaves the process. */
export interface StoredToken {
  githubTokenEnc: string | null;
  reauthRequired: boolean;
}

const PROFILE = ['id', 'github_host', 'github_id', 'login', 'name', 'email', 'avatar_url', 'scopes'] as const;

/** The SQL of `users`: profiles and the encrypted GitHub token (the only place `github_token_enc` is read). */
@Injectable()
export class UsersRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async findById(id: string): Promise<User | null> {
    const row = await this.db.selectFrom('users').select(PROFILE).where('id', '=', id).executeTakeFirst();
    return row ? toUser(row) : null;
  }

  /**
   * Creates or updates the user named by `profile`'s host and id and stores their new token, sealed by
   * `seal(userId)` (the ciphertext is bound to the id). Cached ETags belong to the previous token, so they go.
   */
  signIn(profile: UserProfile, scopes: string[], seal: (userId: string) => string): Promise<User> {
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
        .set({ github_token_enc: seal(id), token_updated_at: sql<Date>`now()`, reauth_required: false })
        .where('id', '=', id)
        .returning(PROFILE)
        .executeTakeFirstOrThrow();
      await tx.deleteFrom('github_etags').where('user_id', '=', id).execute();
      return toUser(user);
    });
  }

  async findToken(userId: string): Promise<StoredToken | null> {
    const row = await this.db
      .selectFrom('users')
      .select(['github_token_enc', 'reauth_required'])
      .where('id', '=', userId)
      .executeTakeFirst();
    return row ? { githubTokenEnc: row.github_token_enc, reauthRequired: row.reauth_required } : null;
  }

  /** The same token sealed again (under the newest key). */
  async resealToken(userId: string, githubTokenEnc: string): Promise<void> {
    await this.db
      .updateTable('users')
      .set({ github_token_enc: githubTokenEnc })
      .where('id', '=', userId)
      .execute();
  }

  async markReauthRequired(userId: string): Promise<void> {
    await this.db
      .updateTable('users')
      .set({ reauth_required: true, updated_at: sql<Date>`now()` })
      .where('id', '=', userId)
      .execute();
  }

  /** Forgets the token and the ETags cached under it: the user signs in again to use GitHub features. */
  clearToken(userId: string): Promise<void> {
    return inTransaction(this.db, async (tx) => {
      await tx
        .updateTable('users')
        .set({
          github_token_enc: null,
          token_updated_at: sql<Date>`now()`,
          reauth_required: true,
          updated_at: sql<Date>`now()`,
        })
        .where('id', '=', userId)
        .execute();
      await tx.deleteFrom('github_etags').where('user_id', '=', userId).execute();
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
