import { Injectable } from '@nestjs/common';
import { Kysely, sql } from 'kysely';
import type { DB } from '../database/db.types';
import { githubIdentityFrom, type GithubIdentity } from '../github/github-identity.type';

/** The gateway's own bearer token (for /api/v1/user/me); opaque, stored as a SHA-256 hash. */
export interface AccessToken {
  token_hash: string;
  client_id: string;
  subject: string;
  identity: GithubIdentity;
  scope: string;
  code_hash: string;
  expires_at: Date;
  revoked_at: Date | null;
}

export type NewAccessToken = Omit<AccessToken, 'expires_at' | 'revoked_at'> & { ttlSeconds: number };

@Injectable()
export class AccessTokenRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async create(t: NewAccessToken): Promise<void> {
    await this.db
      .insertInto('access_tokens')
      .values({
        token_hash: t.token_hash,
        client_id: t.client_id,
        subject: t.subject,
        identity: JSON.stringify(t.identity),
        scope: t.scope,
        code_hash: t.code_hash,
        expires_at: sql<Date>`now() + make_interval(secs => ${t.ttlSeconds})`,
      })
      .execute();
  }

  async findActive(tokenHash: string): Promise<AccessToken | null> {
    const row = await this.db
      .selectFrom('access_tokens')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', sql<Date>`now()`)
      .executeTakeFirst();
    return row ? { ...row, identity: githubIdentityFrom(row.identity) } : null;
  }

  /** Revokes a token only for the client it was issued to. */
  async revoke(tokenHash: string, clientId: string): Promise<boolean> {
    const { numUpdatedRows } = await this.db
      .updateTable('access_tokens')
      .set({ revoked_at: sql<Date>`now()` })
      .where('token_hash', '=', tokenHash)
      .where('client_id', '=', clientId)
      .where('revoked_at', 'is', null)
      .executeTakeFirstOrThrow();
    return numUpdatedRows > 0n;
  }

  /** RFC 6749 §4.1.2: a replayed code revokes what was issued from it. */
  async revokeIssuedFromCode(codeHash: string): Promise<number> {
    const { numUpdatedRows } = await this.db
      .updateTable('access_tokens')
      .set({ revoked_at: sql<Date>`now()` })
      .where('code_hash', '=', codeHash)
      .where('revoked_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(numUpdatedRows);
  }

  /** Deletes tokens a day past expiry; returns how many. */
  async deleteExpired(): Promise<number> {
    const { numDeletedRows } = await this.db
      .deleteFrom('access_tokens')
      .where('expires_at', '<', sql<Date>`now() - interval '1 day'`)
      .executeTakeFirstOrThrow();
    return Number(numDeletedRows);
  }
}
