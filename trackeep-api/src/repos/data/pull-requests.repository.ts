import { prepared, type SqlExecutor } from '@trackeep/server-core';
import { sql } from 'kysely';
import type { DB } from '../../database/db.types';
import { pgJson } from '../../common/pg-text.util';
import type { PullRequestWrite } from './github-data.types';
import { chunks, recordsetColumns } from './recordset.util';
import { mergeSql, type MergeRules } from './merge-rules';

type Column = Exclude<keyof PullRequestWrite, 'number'>;

/** Which copy of a pull request is newer: GitHub's updated_at. */
const NEWER = 'EXCLUDED.updated_at >= t.updated_at';

/**
 * Per column: which copy wins. Webhook payloads lack review counts, and review payloads carry a short pull
 * request without sizes or commit count; GraphQL refuses sizes in partial answers.
 */
export const PULL_REQUEST_RULES: MergeRules<Column> = {
  node_id: 'fill',
  title: 'newest',
  state: 'newest',
  draft: 'newest',
  author_login: 'fill',
  created_at: 'newest',
  updated_at: 'max',
  closed_at: 'newest',
  merged_at: 'newest',
  base_ref: 'newest',
  head_ref: 'newest',
  additions: 'fill',
  deletions: 'fill',
  changed_files: 'fill',
  commits_count: 'fill',
  labels: 'newest',
  html_url: 'newest',
  // Only the sync counts reviews; webhooks add one per submitted review (countReview). Reviews only accumulate.
  review_count: 'max',
  first_review_at: 'min',
  comments_count: 'fill',
  // A force-push can change it; a source without it (webhooks) keeps the stored one.
  first_commit_at: 'fill',
};

const TYPES: Readonly<Record<keyof PullRequestWrite, string>> = {
  number: 'integer',
  node_id: 'text',
  title: 'text',
  state: 'text',
  draft: 'boolean',
  author_login: 'text',
  created_at: 'timestamptz',
  updated_at: 'timestamptz',
  closed_at: 'timestamptz',
  merged_at: 'timestamptz',
  base_ref: 'text',
  head_ref: 'text',
  additions: 'integer',
  deletions: 'integer',
  changed_files: 'integer',
  commits_count: 'integer',
  labels: 'text[]',
  html_url: 'text',
  review_count: 'integer',
  first_review_at: 'timestamptz',
  comments_count: 'integer',
  first_commit_at: 'timestamptz',
};

/** The pull_requests table: every source's writes, merged by PULL_REQUEST_RULES. */
export class PullRequestsRepository {
  /**
   * Upserts a batch from one source (one statement per 500 rows; the rows carry the same fields). Returns how many
   * rows were inserted or changed (a row GitHub sent again unchanged is not written).
   */
  static async upsert(db: SqlExecutor<DB>, repoId: string, rows: PullRequestWrite[]): Promise<number> {
    if (!rows.length) return 0;
    const carried = recordsetColumns(rows, TYPES);
    const merged = carried.filter((c): c is Column => c !== 'number');
    const m = mergeSql(PULL_REQUEST_RULES, merged, { stored: 't', incoming: 'EXCLUDED', newer: NEWER });
    const figures = merged.includes('additions')
      ? `, figures_status = CASE WHEN EXCLUDED.additions IS NOT NULL THEN NULL ELSE t.figures_status END`
      : '';
    const refreshed = figures ? ' OR (EXCLUDED.additions IS NOT NULL AND t.figures_status IS NOT NULL)' : '';
    const names = carried.join(', ');
    const defs = carried.map((c) => `${c} ${TYPES[c]}`).join(', ');
    let written = 0;
    for (const batch of chunks(rows)) {
      const result = await prepared(sql`
        INSERT INTO pull_requests AS t (repo_id, ${sql.raw(names)})
        SELECT ${repoId}::uuid, ${sql.raw(names)} FROM jsonb_to_recordset(${pgJson(batch)}::jsonb) AS x(${sql.raw(defs)})
        ON CONFLICT (repo_id, number) DO UPDATE SET ${sql.raw(m.set + figures)}
        WHERE ${sql.raw(m.changes + refreshed)}`).execute(db);
      written += Number(result.numAffectedRows ?? 0);
    }
    return written;
  }

  /** A review submitted (seen once, by its timeline entry): one more review, and maybe the first. */
  static async countReview(
    db: SqlExecutor<DB>,
    repoId: string,
    number: number,
    submittedAt: Date,
  ): Promise<void> {
    await db
      .updateTable('pull_requests')
      .set((eb) => ({
        review_count: eb('review_count', '+', 1),
        first_review_at: sql<Date>`LEAST(COALESCE(first_review_at, ${submittedAt}), ${submittedAt})`,
      }))
      .where('repo_id', '=', repoId)
      .where('number', '=', number)
      .execute();
  }
}
