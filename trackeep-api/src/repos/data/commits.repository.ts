import { prepared, type SqlExecutor } from '@trackeep/server-core';
import { sql } from 'kysely';
import type { DB } from '../../database/db.types';
import { pgJson, pgText } from '../../common/pg-text.util';
import type { CommitWrite, HistoryCommit } from './github-data.types';
import { chunks, recordsetColumns } from './recordset.util';
import { mergeSql, type MergeRules } from './merge-rules';

type Column = Exclude<keyof CommitWrite, 'sha'>;

/**
 * A commit never changes on GitHub; its copies differ in how complete they are. The full git object (the
 * sync's, with parents) is newer than a push payload's (no parents, one timestamp for both dates), and between
 * two copies alike the later one wins. A root commit has no parents either, so its copies are alike.
 */
const NEWER = 'cardinality(EXCLUDED.parents) > 0 OR cardinality(t.parents) = 0';

export const COMMIT_RULES: MergeRules<Column> = {
  message: 'newest',
  author_name: 'newest',
  author_email: 'newest',
  author_login: 'fill',
  authored_at: 'newest',
  committer_name: 'newest',
  committer_email: 'newest',
  committer_login: 'fill',
  committed_at: 'newest',
  // Sizes: in push payloads only sometimes, refused in partial GraphQL answers.
  additions: 'fill',
  deletions: 'fill',
  changed_files: 'fill',
  parents: 'newest',
  html_url: 'newest',
};

const TYPES: Readonly<Record<keyof CommitWrite, string>> = {
  sha: 'text',
  message: 'text',
  author_name: 'text',
  author_email: 'text',
  author_login: 'text',
  authored_at: 'timestamptz',
  committer_name: 'text',
  committer_email: 'text',
  committer_login: 'text',
  committed_at: 'timestamptz',
  additions: 'integer',
  deletions: 'integer',
  changed_files: 'integer',
  parents: 'text[]',
  html_url: 'text',
};

/** The commits table, and branch_commits (which branch histories a commit was seen on). */
export class CommitsRepository {
  /**
   * Upserts a batch of commits, merged by COMMIT_RULES; with `branch`, also records them on that branch in the
   * same statement (one round trip for a push).
   */
  static async upsert(
    db: SqlExecutor<DB>,
    repoId: string,
    rows: CommitWrite[],
    opts: { branch?: string } = {},
  ): Promise<void> {
    if (!rows.length) return;
    const carried = recordsetColumns(rows, TYPES);
    const merged = carried.filter((c): c is Column => c !== 'sha');
    const m = mergeSql(COMMIT_RULES, merged, { stored: 't', incoming: 'EXCLUDED', newer: NEWER });
    const figures = merged.includes('additions')
      ? `, figures_status = CASE WHEN EXCLUDED.additions IS NOT NULL THEN NULL ELSE t.figures_status END`
      : '';
    const names = carried.join(', ');
    const defs = carried.map((c) => `${c} ${TYPES[c]}`).join(', ');
    for (const batch of chunks(rows)) {
      const upsert = sql`
        INSERT INTO commits AS t (repo_id, ${sql.raw(names)})
        SELECT ${repoId}::uuid, ${sql.raw(names)} FROM jsonb_to_recordset(${pgJson(batch)}::jsonb) AS x(${sql.raw(defs)})
        ON CONFLICT (repo_id, sha) DO UPDATE SET ${sql.raw(m.set + figures)}
        WHERE ${sql.raw(m.changes)}`;
      if (opts.branch === undefined) await prepared(upsert).execute(db);
      else
        await prepared(sql`
          WITH stored AS (${upsert})
          INSERT INTO branch_commits (repo_id, branch, sha)
          SELECT ${repoId}::uuid, ${pgText(opts.branch)}, unnest(${batch.map((c) => c.sha)}::text[])
          ON CONFLICT DO NOTHING`).execute(db);
    }
  }

  static async addToBranch(
    db: SqlExecutor<DB>,
    repoId: string,
    branch: string,
    shas: string[],
  ): Promise<void> {
    if (!shas.length) return;
    await prepared(sql`
      INSERT INTO branch_commits (repo_id, branch, sha) SELECT ${repoId}::uuid, ${pgText(branch)}, unnest(${shas}::text[])
      ON CONFLICT DO NOTHING`).execute(db);
  }

  /**
   * Which of `shas` are recorded, as full git objects, on any of `branches`. A commit only a push payload
   * described is not: the sync walks it again and completes it.
   */
  static async knownOnBranches(
    db: SqlExecutor<DB>,
    repoId: string,
    branches: string[],
    shas: string[],
  ): Promise<Set<string>> {
    if (!shas.length) return new Set();
    // Driven by the (few) shas, two primary-key probes each, whatever plan a prepared statement settles on.
    const { rows } = await prepared(sql<{ sha: string }>`
      SELECT s.sha FROM unnest(${shas}::text[]) AS s(sha)
       WHERE EXISTS (SELECT 1 FROM branch_commits b
                      WHERE b.repo_id = ${repoId}::uuid AND b.branch = ANY(${branches.map(pgText)}::text[])
                        AND b.sha = s.sha)
         AND EXISTS (SELECT 1 FROM commits c
                      WHERE c.repo_id = ${repoId}::uuid AND c.sha = s.sha AND cardinality(c.parents) > 0)`).execute(
      db,
    );
    return new Set(rows.map((r) => r.sha));
  }

  /**
   * The commits recorded on a branch and committed since `since` (the ones a first-parent walk from its head
   * needs, merged-in commits included), for reconstructing its pushes.
   */
  static async branchHistorySince(
    db: SqlExecutor<DB>,
    repoId: string,
    branch: string,
    since: Date | null,
  ): Promise<HistoryCommit[]> {
    let query = db
      .selectFrom('commits as c')
      .innerJoin('branch_commits as b', (j) =>
        j.onRef('b.repo_id', '=', 'c.repo_id').onRef('b.sha', '=', 'c.sha'),
      )
      .select(['c.sha', 'c.parents', 'c.committed_at', 'c.author_login', 'c.author_name', 'c.committer_name'])
      .where('c.repo_id', '=', repoId)
      .where('b.branch', '=', branch);
    if (since) query = query.where('c.committed_at', '>=', since);
    const rows = await query.execute();
    return rows.map((r) => ({
      sha: r.sha,
      parents: r.parents,
      committedAt: new Date(r.committed_at),
      author: r.author_login ?? r.author_name,
      authorLogin: r.author_login,
      committer: r.committer_name,
    }));
  }

  /**
   * Forgets `shas` on a branch whose history was rewritten (a force-push), and removes those of them no branch
   * holds any more: GitHub's lists no longer show them.
   */
  static async removeFromBranch(
    db: SqlExecutor<DB>,
    repoId: string,
    branch: string,
    shas: string[],
  ): Promise<void> {
    if (!shas.length) return;
    // The outer DELETE sees branch_commits as before the CTE's, hence the other-branch condition.
    await prepared(sql`
      WITH gone AS (
        DELETE FROM branch_commits
         WHERE repo_id = ${repoId}::uuid AND branch = ${pgText(branch)} AND sha = ANY(${shas}::text[])
        RETURNING sha)
      DELETE FROM commits c USING gone
       WHERE c.repo_id = ${repoId}::uuid AND c.sha = gone.sha
         AND NOT EXISTS (SELECT 1 FROM branch_commits b
                          WHERE b.repo_id = ${repoId}::uuid AND b.sha = gone.sha AND b.branch <> ${pgText(branch)})`).execute(
      db,
    );
  }

  /** Forgets which commits were on deleted branches (the commits stay, reachable from others). */
  static async forgetBranches(db: SqlExecutor<DB>, repoId: string, names: string[]): Promise<void> {
    if (!names.length) return;
    await db
      .deleteFrom('branch_commits')
      .where('repo_id', '=', repoId)
      .where('branch', '=', sql<string>`ANY(${names.map(pgText)}::text[])`)
      .execute();
  }
}
