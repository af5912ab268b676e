import { Injectable } from '@nestjs/common';
import { Sql } from '../database/sql.service';
import type { GithubIdentity } from '../github/github-identity.type';

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
  constructor(private readonly sql: Sql) {}

  async create(t: NewAccessToken): Promise<void> {
    await this.sql.rows(
      `INSERT INTO access_tokens (token_hash, client_id, subject, identity, scope, code_hash, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(secs => $7))`,
      [t.token_hash, t.client_id, t.subject, JSON.stringify(t.identity), t.scope, t.code_hash, t.ttlSeconds],
    );
  }

  async findActive(tokenHash: string): Promise<AccessToken | null> {
    const [row] = await this.sql.rows<AccessToken>(
      `SELECT * FROM access_tokens WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > now()`,
      [tokenHash],
    );
    return row ?? null;
  }

  /** Revokes a token only for the client it was issued to. */
  async revoke(tokenHash: string, clientId: string): Promise<boolean> {
    const rows = await this.sql.rows(
      `UPDATE access_tokens SET revoked_at = now() WHERE token_hash = $1 AND client_id = $2 AND revoked_at IS NULL RETURNING token_hash`,
      [tokenHash, clientId],
    );
    return rows.length > 0;
  }

  /** RFC 6749 §4.1.2: a replayed code revokes what was issued from it. */
  async revokeIssuedFromCode(codeHash: string): Promise<number> {
    const rows = await this.sql.rows(
      `UPDATE access_tokens SET revoked_at = now() WHERE code_hash = $1 AND revoked_at IS NULL RETURNING token_hash`,
      [codeHash],
    );
    return rows.length;
  }
}
