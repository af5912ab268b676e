import { Injectable } from '@nestjs/common';
import { GithubEtagRepository } from './github-etag.repository';
import type { GithubRequester } from './github-octokit';

type Headers = Record<string, string | number | undefined>;

export interface CachedGet<T> {
  data: T;
  link: string | null;
  /** True when GitHub answered 304 and the stored body was used (costs no rate limit). */
  notModified: boolean;
  headers: Headers;
}

/** Fresh answers kept in memory per process (besides the table), so reusing one reads no stored body. */
const FRESH_COPIES = 500;

/**
 * The one ETag cache: conditional GETs with ETags stored per credential (GitHub's ETags are only valid under
 * the credential that fetched them; a user's entries go when their token changes). A 304 costs no rate limit.
 */
@Injectable()
export class GithubEtagCache {
  private readonly freshCopies = new Map<string, { until: number; data: unknown; link: string | null }>();

  constructor(private readonly repo: GithubEtagRepository) {}

  /**
   * GET `path` conditional on the stored ETag; GitHub's errors other than a usable 304 are thrown as they came.
   * `remember: false` asks unconditionally and stores nothing (a page read once, not polled). `freshness: 'reuse'`
   * answers from the stored copy without asking while GitHub's `Cache-Control: max-age` allows (a list a person
   * browses), `'record'` only notes how long that is; sync leaves both off, since a webhook's news must be read
   * at once.
   */
  async get<T>(
    credential: string,
    client: GithubRequester,
    path: string,
    options: { remember?: boolean; freshness?: 'ignore' | 'record' | 'reuse' } = {},
  ): Promise<CachedGet<T>> {
    const remember = options.remember ?? true;
    const freshness = options.freshness ?? 'ignore';
    const copyKey = `${credential}\0${path}`;
    const copy = freshness === 'reuse' ? this.freshCopies.get(copyKey) : undefined;
    if (copy && copy.until > Date.now())
      return { data: copy.data as T, link: copy.link, notModified: true, headers: {} };
    const cached = remember ? await this.repo.find(credential, path) : null;
    if (cached && freshness === 'reuse' && cached.freshUntil && cached.freshUntil.getTime() > Date.now()) {
      this.keepCopy(copyKey, cached.freshUntil, cached.body, cached.link);
      return { data: cached.body as T, link: cached.link, notModified: true, headers: {} };
    }
    try {
      const res = await client.request(
        `GET ${path}`,
        cached ? { headers: { 'if-none-match': cached.etag } } : {},
      );
      const etag = res.headers['etag'];
      const link = typeof res.headers['link'] === 'string' ? res.headers['link'] : null;
      const until = freshness === 'ignore' ? null : freshUntil(res.headers);
      if (remember && typeof etag === 'string') {
        await this.repo.save(credential, path, { etag, body: res.data, link, freshUntil: until });
        this.keepCopy(copyKey, until, res.data, link);
      }
      return { data: res.data as T, link, notModified: false, headers: res.headers };
    } catch (err) {
      const e = err as { status?: number; response?: { headers?: Headers } };
      if (cached && e.status === 304) {
        const headers = e.response?.headers ?? {};
        if (freshness !== 'ignore') {
          const until = freshUntil(headers);
          await this.repo.refresh(credential, path, until);
          this.keepCopy(copyKey, until, cached.body, cached.link);
        }
        return { data: cached.body as T, link: cached.link, notModified: true, headers };
      }
      throw err;
    }
  }

  /** Drops every answer stored under `credential` (its token changed). */
  async forgetAll(credential: string): Promise<void> {
    for (const key of this.freshCopies.keys())
      if (key.startsWith(`${credential}\0`)) this.freshCopies.delete(key);
    await this.repo.deleteAll(credential);
  }

  /** Drops the stored answer, so the next GET asks unconditionally. */
  async forget(credential: string, path: string): Promise<void> {
    this.freshCopies.delete(`${credential}\0${path}`);
    await this.repo.delete(credential, path);
  }

  private keepCopy(key: string, until: Date | null, data: unknown, link: string | null): void {
    this.freshCopies.delete(key);
    if (!until) return;
    this.freshCopies.set(key, { until: until.getTime(), data, link });
    // The oldest copy goes first (a Map iterates in insertion order).
    if (this.freshCopies.size > FRESH_COPIES)
      this.freshCopies.delete(this.freshCopies.keys().next().value as string);
  }
}

/** Until when a private cache may reuse the answer, by its `Cache-Control` (GitHub sends `private, max-age=60`). */
export function freshUntil(headers: Headers, now = Date.now()): Date | null {
  const control = String(headers['cache-control'] ?? '').toLowerCase();
  if (/(^|[\s,])(no-store|no-cache)([\s,=]|$)/.test(control)) return null;
  const maxAge = /(?:^|[\s,])max-age=(\d+)/.exec(control)?.[1];
  return maxAge === undefined || Number(maxAge) <= 0 ? null : new Date(now + Number(maxAge) * 1000);
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
