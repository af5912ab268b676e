import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { fromPgJson, pgJson } from '../common/pg-text.util';

export interface StoredEtag {
  etag: string;
  body: unknown;
  link: string | null;
}

/**
 * github_etags: the last answer to a GET per credential and URL. Bodies go through pg-text, so text jsonb
 * refuses (a NUL, a lone surrogate) is kept, not fatal.
 */
@Injectable()
export class GithubEtagRepository {
  constructor(@InjectDataSource() private readonly db: Pick<DataSource, 'query'>) {}

  async find(userId: string, url: string): Promise<StoredEtag | null> {
    const rows: Array<{ etag: string; body: unknown; link: string | null }> = await this.db.query(
      `SELECT etag, body, link FROM github_etags WHERE user_id = $1 AND url = $2`,
      [userId, url],
    );
    const row = rows[0];
    return row ? { etag: row.etag, body: fromPgJson(row.body), link: row.link } : null;
  }

  async save(userId: string, url: string, entry: StoredEtag): Promise<void> {
    await this.db.query(
      `INSERT INTO github_etags (user_id, url, etag, body, link, fetched_at) VALUES ($1, $2, $3, $4, $5, now())
       ON CONFLICT (user_id, url) DO UPDATE SET etag = EXCLUDED.etag, body = EXCLUDED.body, link = EXCLUDED.link, fetched_at = now()`,
      [userId, url, entry.etag, pgJson(entry.body ?? null), entry.link],
    );
  }

  async delete(userId: string, url: string): Promise<void> {
    await this.db.query(`DELETE FROM github_etags WHERE user_id = $1 AND url = $2`, [userId, url]);
  }
}
