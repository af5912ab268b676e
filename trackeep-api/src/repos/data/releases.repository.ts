import { prepared, type SqlExecutor } from '@trackeep/server-core';
import { sql } from 'kysely';
import { pgJson } from '../../common/pg-text.util';
import type { DB } from '../../database/db.types';
import type { TimelineEntry } from './github-data.types';
import { chunks } from './recordset.util';

/** One release, as every source writes it. */
export interface ReleaseWrite {
  release_id: number;
  node_id: string | null;
  tag_name: string;
  name: string | null;
  target_commitish: string | null;
  /** The tagged commit; null when the source does not say (a webhook names only the target). */
  sha: string | null;
  draft: boolean;
  prerelease: boolean;
  author_login: string | null;
  html_url: string | null;
  created_at: Date | string;
  published_at: Date | string | null;
  updated_at: Date | string | null;
}

/**
 * releases, whatever the source. A later copy replaces an earlier one unless it is older by `updated_at`; the
 * tagged commit and the publication, once known, are kept. A deleted release stays deleted.
 */
export class ReleasesRepository {
  static async upsert(db: SqlExecutor<DB>, repoId: string, rows: ReleaseWrite[]): Promise<void> {
    const unique = [...new Map(rows.map((r) => [r.release_id, r])).values()];
    for (const batch of chunks(unique)) {
      await prepared(sql`
        INSERT INTO releases AS t
               (repo_id, release_id, node_id, tag_name, name, target_commitish, sha, draft, prerelease,
                author_login, html_url, created_at, published_at, updated_at)
        SELECT ${repoId}::uuid, x.release_id, x.node_id, x.tag_name, x.name, x.target_commitish, x.sha, x.draft,
               x.prerelease, x.author_login, x.html_url, x.created_at, x.published_at, x.updated_at
          FROM jsonb_to_recordset(${pgJson(batch)}::jsonb)
               AS x(release_id bigint, node_id text, tag_name text, name text, target_commitish text, sha text,
                    draft boolean, prerelease boolean, author_login text, html_url text, created_at timestamptz,
                    published_at timestamptz, updated_at timestamptz)
        ON CONFLICT (repo_id, release_id) DO UPDATE
          SET node_id = coalesce(EXCLUDED.node_id, t.node_id),
              tag_name = EXCLUDED.tag_name,
              name = coalesce(EXCLUDED.name, t.name),
              target_commitish = coalesce(EXCLUDED.target_commitish, t.target_commitish),
              sha = coalesce(EXCLUDED.sha, t.sha),
              draft = EXCLUDED.draft,
              prerelease = EXCLUDED.prerelease,
              author_login = coalesce(EXCLUDED.author_login, t.author_login),
              html_url = coalesce(EXCLUDED.html_url, t.html_url),
              published_at = coalesce(EXCLUDED.published_at, t.published_at),
              updated_at = greatest(EXCLUDED.updated_at, t.updated_at)
          WHERE t.updated_at IS NULL OR EXCLUDED.updated_at IS NULL OR EXCLUDED.updated_at >= t.updated_at`).execute(
        db,
      );
    }
  }

  /** The stored `updated_at` of each of these releases (absent: not stored). */
  static async updatedAt(
    db: SqlExecutor<DB>,
    repoId: string,
    releaseIds: number[],
  ): Promise<Map<number, string>> {
    if (!releaseIds.length) return new Map();
    const rows = await db
      .selectFrom('releases')
      .select(['release_id', 'updated_at'])
      .where('repo_id', '=', repoId)
      .where('release_id', 'in', releaseIds.map(String))
      .execute();
    return new Map(
      rows.map((r) => [Number(r.release_id), r.updated_at ? new Date(r.updated_at).toISOString() : '']),
    );
  }

  /**
   * Up to `limit` published (not draft), live releases not among `listed` and created before `createdBefore`: all
   * of them, or (`newerThan`) only those created after that.
   */
  static async publishedNotListed(
    db: SqlExecutor<DB>,
    repoId: string,
    listed: number[],
    newerThan: string | null,
    createdBefore: Date,
    limit: number,
  ): Promise<Array<{ release_id: number; tag_name: string }>> {
    let query = db
      .selectFrom('releases')
      .select(['release_id', 'tag_name'])
      .where('repo_id', '=', repoId)
      .where('deleted_at', 'is', null)
      .where('draft', '=', false)
      .where('created_at', '<', createdBefore)
      .where(sql<boolean>`release_id <> ALL(${listed.map(String)}::bigint[])`);
    if (newerThan !== null) query = query.where('created_at', '>', new Date(newerThan));
    const rows = await query.orderBy('release_id').limit(limit).execute();
    return rows.map((r) => ({ release_id: Number(r.release_id), tag_name: r.tag_name }));
  }

  /** Marks these releases deleted as of `at`, unless a source saw one updated after that. */
  static async markGone(db: SqlExecutor<DB>, repoId: string, releaseIds: number[], at: Date): Promise<void> {
    if (!releaseIds.length) return;
    await db
      .updateTable('releases')
      .set({ deleted_at: at })
      .where('repo_id', '=', repoId)
      .where('release_id', 'in', releaseIds.map(String))
      .where('deleted_at', 'is', null)
      .where((eb) => eb.or([eb('updated_at', 'is', null), eb('updated_at', '<=', at)]))
      .execute();
  }

  /** Marks a release deleted (it stays, so no late copy of an older delivery brings it back). */
  static async markDeleted(db: SqlExecutor<DB>, repoId: string, row: ReleaseWrite, at: Date): Promise<void> {
    await ReleasesRepository.upsert(db, repoId, [row]);
    await db
      .updateTable('releases')
      .set({ deleted_at: at })
      .where('repo_id', '=', repoId)
      .where('release_id', '=', String(row.release_id))
      .where('deleted_at', 'is', null)
      .execute();
  }
}

/** A timeline entry for a published release, the same from every source. */
export function releaseActivity(r: ReleaseWrite): TimelineEntry | null {
  if (r.draft || !r.published_at) return null;
  return {
    actor: r.author_login,
    title: `released ${r.tag_name}${r.prerelease ? ' (pre-release)' : ''}`,
    url: r.html_url,
    occurredAt: new Date(r.published_at),
    data: { releaseId: r.release_id, tag: r.tag_name, prerelease: r.prerelease },
    dedupeKey: `release:${r.release_id}`,
  };
}
