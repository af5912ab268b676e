import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { fromPgJson, pgJson } from '../common/pg-text.util';
import type { TrackeepOctokit } from './github-client.factory';

export interface CachedGet<T> {
  data: T;
  link: string | null;
  /** True when GitHub answered 304 and the stored body was used (costs no rate limit). */
  notModified: boolean;
}

/**
 * Conditional GETs with ETags stored per user (GitHub's ETags are only valid under the credential that
 * fetched them; the cache is cleared whenever the user's token changes). A 304 costs no rate limit.
 * Bodies are stored through pg-text, so text jsonb refuses (a NUL, a lone surrogate) is kept, not fatal.
 */
@Injectable()
export class GithubEtagCache {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async get<T>(userId: string, octokit: TrackeepOctokit, path: string): Promise<CachedGet<T>> {
    const [cached] = (await this.dataSource.query(
      `SELECT etag, body, link FROM github_etags WHERE user_id = $1 AND url = $2`,
      [userId, path],
    )) as Array<{ etag: string; body: T; link: string | null }>;
    try {
      const res = await octokit.request(
        `GET ${path}`,
        cached ? { headers: { 'if-none-match': cached.etag } } : {},
      );
      const etag = res.headers.etag;
      const link = res.headers.link ?? null;
      if (etag) {
        await this.dataSource.query(
          `INSERT INTO github_etags (user_id, url, etag, body, link, fetched_at) VALUES ($1, $2, $3, $4, $5, now())
           ON CONFLICT (user_id, url) DO UPDATE SET etag = EXCLUDED.etag, body = EXCLUDED.body, link = EXCLUDED.link, fetched_at = now()`,
          [userId, path, etag, pgJson(res.data), link],
        );
      }
      return { data: res.data as T, link, notModified: false };
    } catch (err) {
      if (cached && (err as { status?: number }).status === 304)
        return { data: fromPgJson(cached.body), link: cached.link, notModified: true };
      throw err;
    }
  }
}

/** The rel="next" URL of a GitHub Link header, as a path relative to the API base. */
export function nextPagePath(link: string | null, apiBaseUrl: string): string | null {
  const match = link
    ?.split(',')
    .find((part) => /rel="next"/.test(part))
    ?.match(/<([^>]+)>/);
  if (!match?.[1]) return null;
  const next = new URL(match[1]);
  const base = new URL(apiBaseUrl);
  const basePath = base.pathname.replace(/\/+$/, '');
  if (next.origin !== base.origin || !next.pathname.startsWith(basePath)) return null;
  return `${next.pathname.slice(basePath.length)}${next.search}`;
}
