import { Injectable } from '@nestjs/common';
import { Kysely, sql } from 'kysely';
import { fromPgJson, pgJson } from '../common/pg-text.util';
import type { DB } from '../database/db.types';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface StoredEtag {
  etag: string;
  body: unknown;
  link: string | null;
  /** Until when GitHub said the answer may be reused without asking (null: ask again first). */
  freshUntil: Date | null;
}

/**
 * github_etags: the last answer to a GET per credential and URL. Bodies go through pg-text, so text jsonb
 * refuses (a NUL, a lone surrogate) is kept, not fatal.
 */
@Injectable()
export class GithubEtagRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async find(userId: string, url: string): Promise<StoredEtag | null> {
    if (!UUID_RE.test(userId)) return null; // only users' answers are kept (the table is keyed by user)
    const row = await this.db
      .selectFrom('github_etags')
      .select(['etag', 'body', 'link', 'fresh_until'])
      .where('user_id', '=', userId)
      .where('url', '=', url)
      .executeTakeFirst();
    return row
      ? { etag: row.etag, body: fromPgJson(row.body), link: row.link, freshUntil: row.fresh_until }
      : null;
  }

  async save(userId: string, url: string, entry: StoredEtag): Promise<void> {
    if (!UUID_RE.test(userId)) return;
    await this.db
      .insertInto('github_etags')
      .values({
        user_id: userId,
        url,
        etag: entry.etag,
        body: pgJson(entry.body ?? null),
        link: entry.link,
        fresh_until: entry.freshUntil,
      })
      .onConflict((oc) =>
        oc.columns(['user_id', 'url']).doUpdateSet((eb) => ({
          etag: eb.ref('excluded.etag'),
          body: eb.ref('excluded.body'),
          link: eb.ref('excluded.link'),
          fresh_until: eb.ref('excluded.fresh_until'),
          fetched_at: sql<Date>`now()`,
        })),
      )
      .execute();
  }

  /** GitHub confirmed the stored answer (a 304): it may be reused until `freshUntil`. */
  async refresh(userId: string, url: string, freshUntil: Date | null): Promise<void> {
    if (!UUID_RE.test(userId)) return;
    await this.db
      .updateTable('github_etags')
      .set({ fresh_until: freshUntil })
      .where('user_id', '=', userId)
      .where('url', '=', url)
      .execute();
  }

  async deleteAll(userId: string): Promise<void> {
    if (!UUID_RE.test(userId)) return;
    await this.db.deleteFrom('github_etags').where('user_id', '=', userId).execute();
  }

  async delete(userId: string, url: string): Promise<void> {
    if (!UUID_RE.test(userId)) return;
    await this.db.deleteFrom('github_etags').where('user_id', '=', userId).where('url', '=', url).execute();
  }
}
