import { prepared, type SqlExecutor } from '@trackeep/server-core';
import { sql } from 'kysely';
import { pgJson } from '../../common/pg-text.util';
import type { DB } from '../../database/db.types';
import { chunks } from './recordset.util';

/** One git tag, as every source writes it. */
export interface TagWrite {
  name: string;
  /** The tagged commit. */
  sha: string;
  /** The tagger's date of an annotated tag; null for a lightweight one or when the source does not say. */
  tagged_at: Date | string | null;
  /** The tagged commit's date, when the source says. */
  commit_at: Date | string | null;
}

/**
 * tags, whatever the source (the sync's tag refs, `push` and `delete` webhooks of `refs/tags/*`). A copy moves the
 * tag to its commit and keeps the dates it does not know; `seen` is when the source saw it, so a delete only
 * removes a tag not seen since, and a later push brings a deleted tag back (a push at the delete's own second
 * does not: the delete wins a tie).
 */
export class TagsRepository {
  static async upsert(db: SqlExecutor<DB>, repoId: string, rows: TagWrite[], seen: Date): Promise<void> {
    const unique = [...new Map(rows.map((r) => [r.name, r])).values()];
    for (const batch of chunks(unique)) {
      await prepared(sql`
        INSERT INTO tags AS t (repo_id, name, sha, tagged_at, commit_at, seen_at)
        SELECT ${repoId}::uuid, x.name, x.sha, x.tagged_at, x.commit_at, ${seen.toISOString()}::timestamptz
          FROM jsonb_to_recordset(${pgJson(batch)}::jsonb)
               AS x(name text, sha text, tagged_at timestamptz, commit_at timestamptz)
        ON CONFLICT (repo_id, name) DO UPDATE
          SET sha = EXCLUDED.sha,
              tagged_at = CASE WHEN EXCLUDED.sha = t.sha THEN coalesce(EXCLUDED.tagged_at, t.tagged_at)
                               ELSE EXCLUDED.tagged_at END,
              commit_at = CASE WHEN EXCLUDED.sha = t.sha THEN coalesce(EXCLUDED.commit_at, t.commit_at)
                               ELSE EXCLUDED.commit_at END,
              seen_at = EXCLUDED.seen_at,
              deleted_at = CASE WHEN t.deleted_at >= EXCLUDED.seen_at THEN t.deleted_at END
          WHERE EXCLUDED.seen_at >= t.seen_at OR t.deleted_at IS NOT NULL`).execute(db);
    }
  }

  /**
   * A tag deleted on GitHub at `at`: a tombstone unless it was seen after that. A delete heard before the tag
   * itself leaves one too, so the late copy of the older push does not bring the tag back.
   */
  static async markDeleted(db: SqlExecutor<DB>, repoId: string, name: string, at: Date): Promise<void> {
    await db
      .insertInto('tags')
      .values({ repo_id: repoId, name, sha: '', seen_at: at, deleted_at: at })
      .onConflict((oc) =>
        oc.columns(['repo_id', 'name']).doUpdateSet({ deleted_at: at }).where('tags.seen_at', '<=', at),
      )
      .execute();
  }

  /**
   * Up to `limit` live tags not named in `listed` and last seen before `seenBefore`: all of them, or (`newerThan`)
   * only those whose commit is newer than that. A tag whose commit date is unknown is never newer.
   */
  static async liveNotListed(
    db: SqlExecutor<DB>,
    repoId: string,
    listed: string[],
    newerThan: string | null,
    seenBefore: Date,
    limit: number,
  ): Promise<string[]> {
    let query = db
      .selectFrom('tags')
      .select('name')
      .where('repo_id', '=', repoId)
      .where('deleted_at', 'is', null)
      .where('seen_at', '<', seenBefore)
      .where(sql<boolean>`name <> ALL(${listed}::text[])`);
    if (newerThan !== null) query = query.where('commit_at', '>', new Date(newerThan));
    const rows = await query.orderBy('name').limit(limit).execute();
    return rows.map((r) => r.name);
  }

  /** The stored commit of each of these tags that is not deleted (absent: not stored). */
  static async shas(db: SqlExecutor<DB>, repoId: string, names: string[]): Promise<Map<string, string>> {
    if (!names.length) return new Map();
    const rows = await db
      .selectFrom('tags')
      .select(['name', 'sha'])
      .where('repo_id', '=', repoId)
      .where('name', 'in', names)
      .where('deleted_at', 'is', null)
      .execute();
    return new Map(rows.map((r) => [r.name, r.sha]));
  }
}
