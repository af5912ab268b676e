import { prepared, type SqlExecutor } from '@trackeep/server-core';
import { sql } from 'kysely';
import { pgJson } from '../../common/pg-text.util';
import type { DB } from '../../database/db.types';
import { chunks } from './recordset.util';

/** A star as GitHub dates it: the stargazer's GitHub id and login, and `starredAt`. */
export interface StargazerWrite {
  user_github_id: number;
  login: string;
  starred_at: Date | string;
}

/** A fork as GitHub dates it: the fork repository's GitHub id, its name and `createdAt`. */
export interface ForkWrite {
  fork_github_id: number;
  full_name: string;
  created_at: Date | string;
}

export type HistoryKind = 'stargazers' | 'forks';

/**
 * repo_stargazers and repo_forks: who starred or forked a repository and when, whatever the source (the sync's
 * backfill, the star and fork webhooks). A row is one GitHub fact, keyed by GitHub's ids; every source writes
 * the same columns, and `confirmed_at` records that a source saw it again (a full re-read removes what it did not).
 */
export class StarHistoryRepository {
  static async upsertStargazers(db: SqlExecutor<DB>, repoId: string, rows: StargazerWrite[]): Promise<void> {
    for (const batch of chunks(uniqueBy(rows, (r) => r.user_github_id))) {
      await prepared(sql`
        INSERT INTO repo_stargazers AS t (repo_id, user_github_id, login, starred_at)
        SELECT ${repoId}::uuid, x.user_github_id, x.login, x.starred_at
          FROM jsonb_to_recordset(${pgJson(batch)}::jsonb) AS x(user_github_id bigint, login text, starred_at timestamptz)
        ON CONFLICT (repo_id, user_github_id) DO UPDATE
          SET login = EXCLUDED.login, starred_at = EXCLUDED.starred_at, confirmed_at = now()`).execute(db);
    }
  }

  /**
   * An unstar. A star given again after the unstar (a later starred_at than the unstar's time) stays, so
   * deliveries processed out of order cannot remove a current star.
   */
  static async removeStargazer(
    db: SqlExecutor<DB>,
    repoId: string,
    userGithubId: number,
    unstarredAt: Date,
  ): Promise<void> {
    await prepared(sql`
      DELETE FROM repo_stargazers
       WHERE repo_id = ${repoId}::uuid AND user_github_id = ${userGithubId}::bigint
         AND starred_at <= ${unstarredAt}::timestamptz`).execute(db);
  }

  static async upsertForks(db: SqlExecutor<DB>, repoId: string, rows: ForkWrite[]): Promise<void> {
    for (const batch of chunks(uniqueBy(rows, (r) => r.fork_github_id))) {
      await prepared(sql`
        INSERT INTO repo_forks AS t (repo_id, fork_github_id, full_name, created_at)
        SELECT ${repoId}::uuid, x.fork_github_id, x.full_name, x.created_at
          FROM jsonb_to_recordset(${pgJson(batch)}::jsonb) AS x(fork_github_id bigint, full_name text, created_at timestamptz)
        ON CONFLICT (repo_id, fork_github_id) DO UPDATE
          SET full_name = EXCLUDED.full_name, created_at = EXCLUDED.created_at, confirmed_at = now()`).execute(
        db,
      );
    }
  }

  /** How many rows of `kind` the repository has, and the newest time among them. */
  static async summary(
    db: SqlExecutor<DB>,
    repoId: string,
    kind: HistoryKind,
  ): Promise<{ count: number; newest: Date | null }> {
    const q =
      kind === 'stargazers'
        ? sql<{ count: number; newest: Date | null }>`
            SELECT count(*)::int AS count, max(starred_at) AS newest FROM repo_stargazers WHERE repo_id = ${repoId}::uuid`
        : sql<{ count: number; newest: Date | null }>`
            SELECT count(*)::int AS count, max(created_at) AS newest FROM repo_forks WHERE repo_id = ${repoId}::uuid`;
    const { rows } = await prepared(q).execute(db);
    return rows[0] ?? { count: 0, newest: null };
  }

  /** The database's clock: rows confirmed after it are kept by `sweep`. */
  static async now(db: SqlExecutor<DB>): Promise<Date> {
    const { rows } = await sql<{ now: Date }>`SELECT now() AS now`.execute(db);
    return rows[0]?.now ?? new Date();
  }

  /** Removes the rows no source confirmed since `before` (a full re-read did not see them again). */
  static async sweep(db: SqlExecutor<DB>, repoId: string, kind: HistoryKind, before: Date): Promise<number> {
    const table = kind === 'stargazers' ? sql.raw('repo_stargazers') : sql.raw('repo_forks');
    const res = await sql`
      DELETE FROM ${table} WHERE repo_id = ${repoId}::uuid AND confirmed_at < ${before}::timestamptz`.execute(
      db,
    );
    return Number(res.numAffectedRows ?? 0);
  }
}

/** One row per key, the last one winning: an upsert cannot touch the same row twice in one statement. */
function uniqueBy<T>(rows: T[], key: (row: T) => number): T[] {
  return [...new Map(rows.map((r) => [key(r), r])).values()];
}
