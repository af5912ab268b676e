import { Injectable } from '@nestjs/common';
import { Kysely, sql, type Selectable } from 'kysely';
import { keysetTime } from '../common/cursor.util';
import { encodePgText } from '../common/pg-text.util';
import type { Branches, Commits, DB, PullRequests, RepoStatsSnapshots } from '../database/db.types';

/** A stored row (text in pg-text form) with the keyset time of its sort column, exact to the microsecond. */
export type CommitListRow = Selectable<Commits> & { cursor_time: string };
export type PullListRow = Selectable<PullRequests> & {
  cursor_time: string;
  /** bigint, as text */
  cycle_time_seconds: string | null;
};
export type BranchListRow = Pick<
  Selectable<Branches>,
  'name' | 'head_sha' | 'protected' | 'last_commit_at' | 'ahead_by' | 'behind_by'
> & { comparison_stale: boolean };
export type StatsPointRow = Pick<
  Selectable<RepoStatsSnapshots>,
  'captured_at' | 'stars' | 'forks' | 'watchers' | 'open_issues'
>;

export interface CommitFilter {
  branch?: string;
  /** Login, e-mail or name, any case. */
  author?: string;
  /** Text in the message, any case. */
  q?: string;
  since?: string;
  until?: string;
  /** The keyset of the last row of the previous page. */
  after?: { time: string; sha: string };
  limit: number;
}

export interface PullFilter {
  sort: 'created' | 'updated';
  direction: 'asc' | 'desc';
  state?: string;
  author?: string;
  after?: { time: string; number: number };
  limit: number;
}

export interface WeekRow {
  week: string;
  commits: number;
  additions: number;
  deletions: number;
}

/** One week's merges; the last row (week null) is ROLLUP's total over all the weeks. */
export interface MergedWeekRow {
  week: string | null;
  merged: number;
  /** bigint, as text */
  median_seconds: string | null;
}

/** The last `weeks` weeks as Monday 00:00 UTC timestamps (`start`), this week included. */
const weeksCte = (weeks: number) => sql`weeks AS (
  SELECT generate_series(
           date_trunc('week', now() AT TIME ZONE 'UTC') - (${weeks}::int - 1) * interval '1 week',
           date_trunc('week', now() AT TIME ZONE 'UTC'),
           interval '1 week') AS start
)`;
/** Join condition: `column` (timestamptz) falls in week `w`. */
const inWeek = (column: string) =>
  sql.raw(
    `${column} >= w.start AT TIME ZONE 'UTC' AND ${column} < (w.start + interval '1 week') AT TIME ZONE 'UTC'`,
  );

/**
 * Reads a repository's synced data (commits, pull requests, branches, stats) for the data endpoints, a page
 * at a time. Access is checked by the caller; every filter is a bind parameter.
 */
@Injectable()
export class RepoDataRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /** Newest first (committed_at, then sha); `limit` rows. */
  async commits(repoId: string, f: CommitFilter): Promise<CommitListRow[]> {
    let query = this.db
      .selectFrom('commits as c')
      .selectAll('c')
      .select(sql<string>`${sql.raw(keysetTime('c.committed_at'))}`.as('cursor_time'))
      .where('c.repo_id', '=', repoId);
    const { branch, author, q, since, until, after } = f;
    if (branch !== undefined) {
      // A per-row probe, not EXISTS: the planner takes a semi-join on sha to match almost nothing (shas are
      // unique over all repositories), so it read and sorted every commit of the repository; walking the time
      // index newest first and probing the branch's key stops at the page's last row.
      query = query.where(
        sql<boolean>`(SELECT true FROM branch_commits b
                       WHERE b.repo_id = c.repo_id AND b.branch = ${encodePgText(branch)} AND b.sha = c.sha)`,
      );
    }
    if (author !== undefined) {
      query = query.where(
        sql<boolean>`(lower(c.author_login) = lower(${author}) OR lower(c.author_email) = lower(${author}) OR lower(c.author_name) = lower(${author}))`,
      );
    }
    if (since) query = query.where('c.committed_at', '>=', sql<Date>`${since}::timestamptz`);
    if (until) query = query.where('c.committed_at', '<', sql<Date>`${until}::timestamptz`);
    if (q !== undefined && q !== '') {
      const pattern = `%${escapeLike(encodePgText(q))}%`;
      query = query.where(sql<boolean>`c.message ILIKE ${pattern} ESCAPE '\\'`);
    }
    if (after) {
      query = query.where(sql<boolean>`(c.committed_at, c.sha) < (${after.time}::timestamptz, ${after.sha})`);
    }
    return query.orderBy('c.committed_at', 'desc').orderBy('c.sha', 'desc').limit(f.limit).execute();
  }

  /** By created_at or updated_at, then number, in `direction`; `limit` rows. */
  async pulls(repoId: string, f: PullFilter): Promise<PullListRow[]> {
    const column = f.sort === 'created' ? 'p.created_at' : 'p.updated_at';
    let query = this.db
      .selectFrom('pull_requests as p')
      .selectAll('p')
      .select([
        sql<string>`${sql.raw(keysetTime(column))}`.as('cursor_time'),
        sql<string | null>`EXTRACT(EPOCH FROM (p.merged_at - p.created_at))::bigint`.as('cycle_time_seconds'),
      ])
      .where('p.repo_id', '=', repoId);
    const { state, author, after } = f;
    if (state !== undefined) query = query.where('p.state', '=', state);
    if (author !== undefined) {
      query = query.where(sql<boolean>`lower(p.author_login) = lower(${author})`);
    }
    if (after) {
      const op = sql.raw(f.direction === 'desc' ? '<' : '>');
      query = query.where(
        sql<boolean>`(${sql.ref(column)}, p.number) ${op} (${after.time}::timestamptz, ${after.number})`,
      );
    }
    return query.orderBy(column, f.direction).orderBy('p.number', f.direction).limit(f.limit).execute();
  }

  /**
   * By name in byte order (COLLATE "C"), after `afterName`; `limit` rows. Ahead/behind counts are stale once the
   * branch or the default branch no longer has the head they were computed for (a push seen since).
   */
  async branches(repoId: string, afterName: string | undefined, limit: number): Promise<BranchListRow[]> {
    let query = this.db
      .selectFrom('branches as b')
      .leftJoin(
        (eb) =>
          eb
            .selectFrom('branches as d')
            .innerJoin('repositories as r', (j) =>
              j.onRef('r.id', '=', 'd.repo_id').onRef('r.default_branch', '=', 'd.name'),
            )
            .select('d.head_sha')
            .where('d.repo_id', '=', repoId)
            .as('def'),
        (j) => j.onTrue(),
      )
      .select(['b.name', 'b.head_sha', 'b.protected', 'b.last_commit_at', 'b.ahead_by', 'b.behind_by'])
      .select(
        sql<boolean>`b.ahead_by IS NOT NULL AND (b.compared_sha IS DISTINCT FROM b.head_sha
                     OR b.compared_to_sha IS DISTINCT FROM def.head_sha)`.as('comparison_stale'),
      )
      .where('b.repo_id', '=', repoId);
    if (afterName !== undefined) query = query.where(sql<boolean>`b.name COLLATE "C" > ${afterName}`);
    return query
      .orderBy(sql`b.name COLLATE "C"`)
      .limit(limit)
      .execute();
  }

  /**
   * Commits and line changes per week, oldest first, weeks without commits included. Only the commits inside
   * the weeks are read (a range on (repo_id, committed_at)), then counted per week.
   */
  async weeklyCommits(repoId: string, weeks: number): Promise<WeekRow[]> {
    const { rows } = await sql<WeekRow>`
      WITH ${weeksCte(weeks)},
      counted AS (
        SELECT date_trunc('week', c.committed_at AT TIME ZONE 'UTC') AS start, count(*)::int AS commits,
               coalesce(sum(c.additions), 0)::int AS additions, coalesce(sum(c.deletions), 0)::int AS deletions
          FROM commits c
         WHERE c.repo_id = ${repoId}
           AND c.committed_at >= (SELECT min(start) FROM weeks) AT TIME ZONE 'UTC'
           AND c.committed_at < (SELECT max(start) + interval '1 week' FROM weeks) AT TIME ZONE 'UTC'
         GROUP BY 1
      )
      SELECT to_char(w.start, 'YYYY-MM-DD') AS week, coalesce(n.commits, 0) AS commits,
             coalesce(n.additions, 0) AS additions, coalesce(n.deletions, 0) AS deletions
        FROM weeks w LEFT JOIN counted n ON n.start = w.start
       ORDER BY w.start`.execute(this.db);
    return rows;
  }

  /** Median open→merge time of the pull requests merged each week, then over all the weeks (the last row). */
  async mergedPerWeek(repoId: string, weeks: number): Promise<MergedWeekRow[]> {
    const { rows } = await sql<MergedWeekRow>`
      WITH ${weeksCte(weeks)},
      merged AS (
        SELECT p.merged_at, EXTRACT(EPOCH FROM (p.merged_at - p.created_at)) AS seconds
          FROM pull_requests p
         WHERE p.repo_id = ${repoId} AND p.merged_at >= (SELECT min(start) FROM weeks) AT TIME ZONE 'UTC'
      )
      SELECT to_char(w.start, 'YYYY-MM-DD') AS week, count(m.seconds)::int AS merged,
             round(percentile_cont(0.5) WITHIN GROUP (ORDER BY m.seconds))::bigint AS median_seconds
        FROM weeks w
        LEFT JOIN merged m ON ${inWeek('m.merged_at')}
       GROUP BY ROLLUP (w.start) ORDER BY w.start NULLS LAST`.execute(this.db);
    return rows;
  }

  /** The latest `maxPoints` snapshots in [since, until), oldest first. */
  async statsHistory(
    repoId: string,
    since: string,
    until: string | undefined,
    maxPoints: number,
  ): Promise<StatsPointRow[]> {
    let latest = this.db
      .selectFrom('repo_stats_snapshots')
      .select(['captured_at', 'stars', 'forks', 'watchers', 'open_issues'])
      .where('repo_id', '=', repoId)
      .where('captured_at', '>=', sql<Date>`${since}::timestamptz`);
    if (until !== undefined) latest = latest.where('captured_at', '<', sql<Date>`${until}::timestamptz`);
    return this.db
      .selectFrom(latest.orderBy('captured_at', 'desc').limit(maxPoints).as('latest'))
      .selectAll()
      .orderBy('captured_at', 'asc')
      .execute();
  }
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
