import { Injectable } from '@nestjs/common';
import { Sql } from '../database/sql.service';
import type { GithubIdentity } from '../github/github-identity.type';

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
  constructor(private readonly sql: Sql) {}

  async create(c: NewAuthorizationCode): Promise<void> {
    await this.sql.rows(
      `INSERT INTO authorization_codes
         (code_hash, client_id, redirect_uri, code_challenge, nonce, scope, subject, identity, github_token_sealed, auth_time, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now(), now() + make_interval(secs => $10))`,
      [
        c.code_hash,
        c.client_id,
        c.redirect_uri,
        c.code_challenge,
        c.nonce,
        c.scope,
        c.subject,
        JSON.stringify(c.identity),
        c.github_token_sealed,
        c.ttlSeconds,
      ],
    );
  }

  /**
   * Consumes the code. The UPDATE … WHERE used_at IS NULL is the single point of truth: of any number of
   * concurrent redemptions exactly one gets the row back. The sealed GitHub token is erased in the same
   * transaction, so the gateway keeps no copy once the code has been used (whatever checks follow).
   */
  async redeem(codeHash: string): Promise<Redemption> {
    return this.sql.transaction(async (sql) => {
      const [code] = await sql<AuthorizationCode & { expired: boolean }>(
        `UPDATE authorization_codes SET used_at = now()
          WHERE code_hash = $1 AND used_at IS NULL
          RETURNING *, expires_at <= now() AS expired`,
        [codeHash],
      );
      if (code) {
        await sql(`UPDATE authorization_codes SET github_token_sealed = NULL WHERE code_hash = $1`, [
          codeHash,
        ]);
        return { outcome: 'redeemed', code };
      }
      const [seen] = await sql<{ used: boolean }>(
        `SELECT used_at IS NOT NULL AS used FROM authorization_codes WHERE code_hash = $1`,
        [codeHash],
      );
      return seen ? { outcome: 'replayed' } : { outcome: 'unknown' };
    });
  }
}
