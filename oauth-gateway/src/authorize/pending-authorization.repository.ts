import { Injectable } from '@nestjs/common';
import { Kysely, sql } from 'kysely';
import type { DB } from '../database/db.types';

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
  constructor(private readonly db: Kysely<DB>) {}

  async create({ ttlSeconds, ...p }: NewPendingAuthorization): Promise<void> {
    await this.db
      .insertInto('pending_authorizations')
      .values({
        state_hash: p.state_hash,
        browser_binding_hash: p.browser_binding_hash,
        client_id: p.client_id,
        redirect_uri: p.redirect_uri,
        client_state: p.client_state,
        code_challenge: p.code_challenge,
        nonce: p.nonce,
        scope: p.scope,
        github_scope: p.github_scope,
        pkce_verifier_sealed: p.pkce_verifier_sealed,
        expires_at: sql<Date>`now() + make_interval(secs => ${ttlSeconds})`,
      })
      .execute();
  }

  async find(stateHash: string): Promise<(PendingAuthorization & { expired: boolean }) | null> {
    const row = await this.db
      .selectFrom('pending_authorizations')
      .selectAll()
      .select(sql<boolean>`expires_at <= now()`.as('expired'))
      .where('state_hash', '=', stateHash)
      .executeTakeFirst();
    return row ?? null;
  }

  /** Marks it used; null when it was already used or has expired (so two callbacks cannot both proceed). */
  async consume(stateHash: string): Promise<PendingAuthorization | null> {
    const row = await this.db
      .updateTable('pending_authorizations')
      .set({ consumed_at: sql<Date>`now()` })
      .where('state_hash', '=', stateHash)
      .where('consumed_at', 'is', null)
      .where('expires_at', '>', sql<Date>`now()`)
      .returningAll()
      .executeTakeFirst();
    return row ?? null;
  }

  /** Deletes sign-ins abandoned for over an hour; returns how many. */
  async deleteExpired(): Promise<number> {
    const { numDeletedRows } = await this.db
      .deleteFrom('pending_authorizations')
      .where('expires_at', '<', sql<Date>`now() - interval '1 hour'`)
      .executeTakeFirstOrThrow();
    return Number(numDeletedRows);
  }
}
