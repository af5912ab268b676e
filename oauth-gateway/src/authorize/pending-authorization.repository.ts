import { Injectable } from '@nestjs/common';
import { Sql } from '../database/sql.service';

/** A sign-in between our redirect to GitHub and GitHub's redirect back. Lives 10 minutes, used once. */
export interface PendingAuthorization {
  state_hash: string;
  browser_binding_hash: string;
  client_id: string;
  redirect_uri: string;
  client_state: string;
  code_challenge: string;
  nonce: string | null;
  scope: string;
  github_scope: string;
  /** passport-oauth2's PKCE verifier for GitHub, sealed with the browser's sign-in cookie (see crypto.util). */
  pkce_verifier_sealed: string | null;
  expires_at: Date;
  consumed_at: Date | null;
}

export type NewPendingAuthorization = Omit<PendingAuthorization, 'expires_at' | 'consumed_at'> & {
  ttlSeconds: number;
};

@Injectable()
export class PendingAuthorizationRepository {
  constructor(private readonly sql: Sql) {}

  async create(p: NewPendingAuthorization): Promise<void> {
    await this.sql.rows(
      `INSERT INTO pending_authorizations
         (state_hash, browser_binding_hash, client_id, redirect_uri, client_state, code_challenge, nonce, scope, github_scope,
          pkce_verifier_sealed, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now() + make_interval(secs => $11))`,
      [
        p.state_hash,
        p.browser_binding_hash,
        p.client_id,
        p.redirect_uri,
        p.client_state,
        p.code_challenge,
        p.nonce,
        p.scope,
        p.github_scope,
        p.pkce_verifier_sealed,
        p.ttlSeconds,
      ],
    );
  }

  async find(stateHash: string): Promise<(PendingAuthorization & { expired: boolean }) | null> {
    const [row] = await this.sql.rows<PendingAuthorization & { expired: boolean }>(
      `SELECT *, expires_at <= now() AS expired FROM pending_authorizations WHERE state_hash = $1`,
      [stateHash],
    );
    return row ?? null;
  }

  /** Marks it used; null when it was already used or has expired (so two callbacks cannot both proceed). */
  async consume(stateHash: string): Promise<PendingAuthorization | null> {
    const [row] = await this.sql.rows<PendingAuthorization>(
      `UPDATE pending_authorizations SET consumed_at = now()
        WHERE state_hash = $1 AND consumed_at IS NULL AND expires_at > now()
        RETURNING *`,
      [stateHash],
    );
    return row ?? null;
  }
}
