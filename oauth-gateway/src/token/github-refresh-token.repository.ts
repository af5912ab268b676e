import { Injectable } from '@nestjs/common';
import { inTransaction } from '@trackeep/server-core';
import { Kysely, sql } from 'kysely';
import type { DB } from '../database/db.types';

/** A GitHub refresh token the gateway handed to a client, known only by its SHA-256 hash. */
export interface IssuedRefreshToken {
  token_hash: string;
  family_id: string;
  client_id: string;
  subject: string;
}

export interface NewRefreshToken {
  token_hash: string;
  client_id: string;
  subject: string;
  ttlSeconds: number;
}

/** Why a refresh token could not be claimed; a token is claimed at most once. */
export type RefreshTokenRefusal = 'unknown' | 'foreign' | 'reused' | 'revoked' | 'expired';

export type RefreshTokenClaim =
  | { outcome: 'claimed'; token: IssuedRefreshToken }
  | { outcome: RefreshTokenRefusal; token: IssuedRefreshToken | null };

@Injectable()
export class GithubRefreshTokenRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /** Records a refresh token handed out at sign-in: the first of a new family. */
  async record(t: NewRefreshToken): Promise<void> {
    await this.db
      .insertInto('github_refresh_tokens')
      .values({
        token_hash: t.token_hash,
        family_id: sql<string>`gen_random_uuid()`,
        client_id: t.client_id,
        subject: t.subject,
        expires_at: sql<Date>`now() + make_interval(secs => ${t.ttlSeconds})`,
      })
      .onConflict((oc) => oc.column('token_hash').doNothing())
      .execute();
  }

  /**
   * Records the token GitHub rotated `parent` into, in the parent's family. If the family was revoked while
   * GitHub answered (a reuse of the same token meanwhile), the new token is recorded revoked as well and
   * 'revoked' is answered. The parent's row lock orders this against revokeFamily.
   */
  async recordRotated(
    parent: IssuedRefreshToken,
    t: Omit<NewRefreshToken, 'client_id' | 'subject'>,
  ): Promise<'recorded' | 'revoked'> {
    return inTransaction(this.db, async (tx) => {
      const current = await tx
        .selectFrom('github_refresh_tokens')
        .select('revoked_at')
        .where('token_hash', '=', parent.token_hash)
        .forUpdate()
        .executeTakeFirst();
      const revokedAt = current ? current.revoked_at : sql<Date>`now()`;
      await tx
        .insertInto('github_refresh_tokens')
        .values({
          token_hash: t.token_hash,
          family_id: parent.family_id,
          client_id: parent.client_id,
          subject: parent.subject,
          expires_at: sql<Date>`now() + make_interval(secs => ${t.ttlSeconds})`,
          revoked_at: revokedAt,
        })
        .onConflict((oc) => oc.column('token_hash').doNothing())
        .execute();
      return current?.revoked_at === null ? 'recorded' : 'revoked';
    });
  }

  /**
   * Marks the token used for `clientId`. The UPDATE … WHERE used_at IS NULL is the single point of truth: of
   * concurrent claims exactly one wins. Otherwise says why (another client's token first, so a foreign
   * client learns nothing more).
   */
  async claim(tokenHash: string, clientId: string): Promise<RefreshTokenClaim> {
    return inTransaction(this.db, async (tx) => {
      const claimed = await tx
        .updateTable('github_refresh_tokens')
        .set({ used_at: sql<Date>`now()` })
        .where('token_hash', '=', tokenHash)
        .where('client_id', '=', clientId)
        .where('used_at', 'is', null)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', sql<Date>`now()`)
        .returning(['token_hash', 'family_id', 'client_id', 'subject'])
        .executeTakeFirst();
      if (claimed) return { outcome: 'claimed', token: claimed };
      const row = await tx
        .selectFrom('github_refresh_tokens')
        .select(['token_hash', 'family_id', 'client_id', 'subject', 'used_at', 'revoked_at'])
        .select(sql<boolean>`expires_at <= now()`.as('expired'))
        .where('token_hash', '=', tokenHash)
        .executeTakeFirst();
      if (!row) return { outcome: 'unknown', token: null };
      const { used_at, revoked_at, expired, ...token } = row;
      if (token.client_id !== clientId) return { outcome: 'foreign', token };
      if (used_at) return { outcome: 'reused', token };
      if (revoked_at) return { outcome: 'revoked', token };
      return { outcome: expired ? 'expired' : 'reused', token };
    });
  }

  /** Undoes a claim whose exchange GitHub never answered, so the instance can retry with the same token. */
  async release(tokenHash: string): Promise<void> {
    await this.db
      .updateTable('github_refresh_tokens')
      .set({ used_at: null })
      .where('token_hash', '=', tokenHash)
      .where('revoked_at', 'is', null)
      .execute();
  }

  /**
   * Revokes every token of a family, used ones too (so a claim in flight cannot be released back into use, and
   * its rotation is recorded revoked); returns how many. Locking the rows first waits for a rotation in
   * progress, so the UPDATE (a new snapshot) also sees the token it recorded.
   */
  async revokeFamily(familyId: string): Promise<number> {
    return inTransaction(this.db, async (tx) => {
      await tx
        .selectFrom('github_refresh_tokens')
        .select('token_hash')
        .where('family_id', '=', familyId)
        .forUpdate()
        .execute();
      const { numUpdatedRows } = await tx
        .updateTable('github_refresh_tokens')
        .set({ revoked_at: sql<Date>`now()` })
        .where('family_id', '=', familyId)
        .where('revoked_at', 'is', null)
        .executeTakeFirstOrThrow();
      return Number(numUpdatedRows);
    });
  }

  /** Deletes rows past the token's own expiry (GitHub refuses the token by then anyway); returns how many. */
  async deleteExpired(): Promise<number> {
    const { numDeletedRows } = await this.db
      .deleteFrom('github_refresh_tokens')
      .where('expires_at', '<', sql<Date>`now()`)
      .executeTakeFirstOrThrow();
    return Number(numDeletedRows);
  }
}
