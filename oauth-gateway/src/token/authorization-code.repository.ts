import { Injectable } from '@nestjs/common';
import { inTransaction } from '@trackeep/server-core';
import { Kysely, sql } from 'kysely';
import type { DB } from '../database/db.types';
import { githubIdentityFrom, type GithubIdentity } from '../github/github-identity.type';

/** A gateway authorization code: 256 bits, single use, 60 s, bound to client, redirect_uri, PKCE and nonce. */
export interface AuthorizationCode {
  code_hash: string;
  client_id: string;
  redirect_uri: string;
  code_challenge: string;
  nonce: string | null;
  scope: string;
  subject: string;
  identity: GithubIdentity;
  github_token_sealed: string | null;
  auth_time: Date;
  expires_at: Date;
  used_at: Date | null;
}

export type NewAuthorizationCode = Omit<AuthorizationCode, 'expires_at' | 'used_at' | 'auth_time'> & {
  ttlSeconds: number;
};

export type Redemption =
  | { outcome: 'redeemed'; code: AuthorizationCode & { expired: boolean } }
  | { outcome: 'replayed' }
  | { outcome: 'unknown' };

@Injectable()
export class AuthorizationCodeRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async create(c: NewAuthorizationCode): Promise<void> {
    await this.db
      .insertInto('authorization_codes')
      .values({
        code_hash: c.code_hash,
        client_id: c.client_id,
        redirect_uri: c.redirect_uri,
        code_challenge: c.code_challenge,
        nonce: c.nonce,
        scope: c.scope,
        subject: c.subject,
        identity: JSON.stringify(c.identity),
        github_token_sealed: c.github_token_sealed,
        auth_time: sql<Date>`now()`,
        expires_at: sql<Date>`now() + make_interval(secs => ${c.ttlSeconds})`,
      })
      .execute();
  }

  /**
   * Consumes the code. The UPDATE … WHERE used_at IS NULL is the single point of truth: of any number of
   * concurrent redemptions exactly one gets the row back. The sealed GitHub token is erased in the same
   * transaction, so the gateway keeps no copy once the code has been used (whatever checks follow).
   */
  async redeem(codeHash: string): Promise<Redemption> {
    return inTransaction(this.db, async (tx) => {
      const code = await tx
        .updateTable('authorization_codes')
        .set({ used_at: sql<Date>`now()` })
        .where('code_hash', '=', codeHash)
        .where('used_at', 'is', null)
        .returningAll()
        .returning(sql<boolean>`expires_at <= now()`.as('expired'))
        .executeTakeFirst();
      if (code) {
        await tx
          .updateTable('authorization_codes')
          .set({ github_token_sealed: null })
          .where('code_hash', '=', codeHash)
          .execute();
        return { outcome: 'redeemed', code: { ...code, identity: githubIdentityFrom(code.identity) } };
      }
      const seen = await tx
        .selectFrom('authorization_codes')
        .select('code_hash')
        .where('code_hash', '=', codeHash)
        .executeTakeFirst();
      return seen ? { outcome: 'replayed' } : { outcome: 'unknown' };
    });
  }

  /** Deletes codes a day past expiry (kept that long so a late replay is still recognised as one). */
  async deleteExpired(): Promise<number> {
    const { numDeletedRows } = await this.db
      .deleteFrom('authorization_codes')
      .where('expires_at', '<', sql<Date>`now() - interval '1 day'`)
      .executeTakeFirstOrThrow();
    return Number(numDeletedRows);
  }
}
