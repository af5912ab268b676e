import { Injectable } from '@nestjs/common';
import { preparedQuery } from '@trackeep/server-core';
import { Kysely, sql } from 'kysely';
import type { DB } from '../database/db.types';
import type { SessionUser } from './session-user.type';

/** A `sessions` row with the user it belongs to (null when the user is gone). */
export interface SessionRecord {
  id: string;
  userId: string;
  expiresAt: Date;
  lastSeenAt: Date;
  revokedAt: Date | null;
  user: SessionUser | null;
}

/** The SQL of `sessions`: the server-side half of a session, which the cookie's JWT names. */
@Injectable()
export class SessionsRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /** A new session's id. */
  async create(userId: string, expiresAt: Date, userAgent: string | null): Promise<string> {
    const { id } = await this.db
      .insertInto('sessions')
      .values({ user_id: userId, expires_at: expiresAt, user_agent: userAgent })
      .returning('id')
      .executeTakeFirstOrThrow();
    return id;
  }

  async find(id: string): Promise<SessionRecord | null> {
    // Read on every request: parsed and planned once per connection.
    const {
      rows: [row],
    } = await this.db.executeQuery(
      preparedQuery(
        this.db
          .selectFrom('sessions as s')
          .leftJoin('users as u', 'u.id', 's.user_id')
          .select([
            's.id',
            's.user_id',
            's.expires_at',
            's.last_seen_at',
            's.revoked_at',
            'u.id as u_id',
            'u.login',
            'u.github_host',
            'u.github_id',
          ])
          .where('s.id', '=', id),
      ),
    );
    if (!row) return null;
    const { u_id, login, github_host, github_id } = row;
    return {
      id: row.id,
      userId: row.user_id,
      expiresAt: row.expires_at,
      lastSeenAt: row.last_seen_at,
      revokedAt: row.revoked_at,
      user:
        u_id !== null && login !== null && github_host !== null && github_id !== null
          ? { id: u_id, login, githubHost: github_host, githubId: Number(github_id) }
          : null,
    };
  }

  async touch(id: string): Promise<void> {
    await this.db
      .updateTable('sessions')
      .set({ last_seen_at: sql<Date>`now()` })
      .where('id', '=', id)
      .execute();
  }

  /** Ends one session; true if it was active. */
  async revoke(id: string): Promise<boolean> {
    const result = await this.db
      .updateTable('sessions')
      .set({ revoked_at: sql<Date>`now()` })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Those of `ids` that are neither revoked nor expired. */
  async activeIds(ids: readonly string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows = await this.db
      .selectFrom('sessions')
      .select('id')
      .where('id', 'in', ids)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', sql<Date>`now()`)
      .execute();
    return rows.map((r) => r.id);
  }
}
