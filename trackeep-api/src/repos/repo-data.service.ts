import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  PAGE_SIZE_DEFAULT,
  WEEKLY_CHART_DEFAULT_WEEKS,
  type Branch,
  type Commit,
  type CycleTimeSummary,
  type Page,
  type PullRequest,
  type StatsPoint,
  type WeeklyCommits,
} from '@trackeep/contracts';
import { DataSource } from 'typeorm';
import { ApiException } from '../common/api-exception';
import { decodeCursor, encodeCursor, keysetTime, page } from '../common/cursor.util';
import { decodePgText, encodePgText, fromPgText } from '../common/pg-text.util';
import type {
  CommitsQueryDto,
  PageQueryDto,
  PullsQueryDto,
  StatsHistoryQueryDto,
  WeeksQueryDto,
} from './dto/repo-queries.dto';
import type { RepositoryRow } from './repository-row';

const STATS_DEFAULT_DAYS = 90;
const STATS_MAX_POINTS = 2000;

/** The last $2 weeks as Monday 00:00 UTC timestamps (`start`), this week included. */
const WEEKS_CTE = `weeks AS (
  SELECT generate_series(
           date_trunc('week', now() AT TIME ZONE 'UTC') - ($2::int - 1) * interval '1 week',
           date_trunc('week', now() AT TIME ZONE 'UTC'),
           interval '1 week') AS start
)`;
/** Join condition: `column` (timestamptz) falls in week `w`. */
const inWeek = (column: string) =>
  `${column} >= w.start AT TIME ZONE 'UTC' AND ${column} < (w.start + interval '1 week') AT TIME ZONE 'UTC'`;

/**
 * Reads a repository's synced data from the shared tables. Callers pass a RepositoryRow obtained from
 * RepoAccessService.findReadable, so access is always checked before anything here runs. Every filter is a
 * bind parameter; nothing from the request is spliced into SQL text.
 */
@Injectable()
export class RepoDataService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async commits(repo: RepositoryRow, query: CommitsQueryDto): Promise<Page<Commit>> {
    const limit = query.limit ?? PAGE_SIZE_DEFAULT;
    const scope = `commits:${repo.id}`;
    const params: unknown[] = [repo.id];
    const where = ['c.repo_id = $1'];
    const param = (value: unknown) => `$${params.push(value)}`;

    if (query.branch !== undefined) {
      where.push(
        `EXISTS (SELECT 1 FROM branch_commits b WHERE b.repo_id = c.repo_id AND b.branch = ${param(encodePgText(query.branch))} AND b.sha = c.sha)`,
      );
    }
    if (query.author !== undefined) {
      const p = param(query.author);
      where.push(
        `(lower(c.author_login) = lower(${p}) OR lower(c.author_email) = lower(${p}) OR lower(c.author_name) = lower(${p}))`,
      );
    }
    const { since, until } = range(query.since, query.until);
    if (since) where.push(`c.committed_at >= ${param(since)}::timestamptz`);
    if (until) where.push(`c.committed_at < ${param(until)}::timestamptz`);
    if (query.q !== undefined && query.q !== '')
      where.push(`c.message ILIKE ${param(`%${escapeLike(encodePgText(query.q))}%`)} ESCAPE '\\'`);
    if (query.cursor !== undefined) {
      const [time, sha] = decodeCursor(query.cursor, scope, ['date', 'string']);
      where.push(`(c.committed_at, c.sha) < (${param(time)}::timestamptz, ${param(sha)})`);
    }
    const rows = (await this.dataSource.query(
      `SELECT c.*, ${keysetTime('c.committed_at')} AS cursor_time FROM commits c
       WHERE ${where.join(' AND ')}
       ORDER BY c.committed_at DESC, c.sha DESC LIMIT ${param(limit + 1)}`,
      params,
    )) as CommitRow[];
    return page(rows, limit, (r) => encodeCursor(scope, [r.cursor_time, r.sha]), toCommit);
  }

  async pulls(repo: RepositoryRow, query: PullsQueryDto): Promise<Page<PullRequest>> {
    const limit = query.limit ?? PAGE_SIZE_DEFAULT;
    const sort = query.sort ?? 'updated';
    const direction = query.direction ?? 'desc';
    // Fixed identifiers picked from validated enums, never request text.
    const column = sort === 'created' ? 'p.created_at' : 'p.updated_at';
    const op = direction === 'desc' ? '<' : '>';
    const order = direction === 'desc' ? 'DESC' : 'ASC';
    const scope = `pulls:${repo.id}:${sort}:${direction}`;
    const params: unknown[] = [repo.id];
    const where = ['p.repo_id = $1'];
    const param = (value: unknown) => `$${params.push(value)}`;

    if (query.state && query.state !== 'all') where.push(`p.state = ${param(query.state)}`);
    if (query.author !== undefined) where.push(`lower(p.author_login) = lower(${param(query.author)})`);
    if (query.cursor !== undefined) {
      const [time, number] = decodeCursor(query.cursor, scope, ['date', 'number']);
      where.push(`(${column}, p.number) ${op} (${param(time)}::timestamptz, ${param(number)})`);
    }
    const rows = (await this.dataSource.query(
      `SELECT p.*, ${keysetTime(column)} AS cursor_time,
              EXTRACT(EPOCH FROM (p.merged_at - p.created_at))::bigint AS cycle_time_seconds
       FROM pull_requests p
       WHERE ${where.join(' AND ')}
       ORDER BY ${column} ${order}, p.number ${order} LIMIT ${param(limit + 1)}`,
      params,
    )) as PullRow[];
    return page(rows, limit, (r) => encodeCursor(scope, [r.cursor_time, r.number]), toPull);
  }

  async branches(repo: RepositoryRow, query: PageQueryDto): Promise<Page<Branch>> {
    const limit = query.limit ?? PAGE_SIZE_DEFAULT;
    const scope = `branches:${repo.id}`;
    const params: unknown[] = [repo.id];
    const where = ['b.repo_id = $1'];
    if (query.cursor !== undefined) {
      const [name] = decodeCursor(query.cursor, scope, ['string']);
      params.push(name);
      where.push(`b.name COLLATE "C" > $${params.length}`);
    }
    params.push(limit + 1);
    const rows = (await this.dataSource.query(
      `SELECT b.* FROM branches b WHERE ${where.join(' AND ')} ORDER BY b.name COLLATE "C" LIMIT $${params.length}`,
      params,
    )) as BranchRow[];
    return page(rows, limit, (r) => encodeCursor(scope, [r.name]), toBranch);
  }

  /** Commits and line changes per week (Monday 00:00 UTC), oldest first, weeks without commits included. */
  async weeklyCommits(repo: RepositoryRow, query: WeeksQueryDto): Promise<WeeklyCommits[]> {
    const weeks = query.weeks ?? WEEKLY_CHART_DEFAULT_WEEKS;
    return (await this.dataSource.query(
      `WITH ${WEEKS_CTE}
       SELECT to_char(w.start, 'YYYY-MM-DD') AS week, count(c.sha)::int AS commits,
              coalesce(sum(c.additions), 0)::int AS additions, coalesce(sum(c.deletions), 0)::int AS deletions
       FROM weeks w
       LEFT JOIN commits c ON c.repo_id = $1 AND ${inWeek('c.committed_at')}
       GROUP BY w.start ORDER BY w.start`,
      [repo.id, weeks],
    )) as WeeklyCommits[];
  }

  /**
   * Median open→merge time of the pull requests merged each week, and over all the weeks (ROLLUP's total row),
   * computed here so the chart covers every merge, not just the pages a browser happened to load.
   */
  async cycleTime(repo: RepositoryRow, query: WeeksQueryDto): Promise<CycleTimeSummary> {
    const weeks = query.weeks ?? WEEKLY_CHART_DEFAULT_WEEKS;
    const rows = (await this.dataSource.query(
      `WITH ${WEEKS_CTE},
       merged AS (
         SELECT p.merged_at, EXTRACT(EPOCH FROM (p.merged_at - p.created_at)) AS seconds
         FROM pull_requests p
         WHERE p.repo_id = $1 AND p.merged_at >= (SELECT min(start) FROM weeks) AT TIME ZONE 'UTC'
       )
       SELECT to_char(w.start, 'YYYY-MM-DD') AS week, count(m.seconds)::int AS merged,
              round(percentile_cont(0.5) WITHIN GROUP (ORDER BY m.seconds))::bigint AS median_seconds
       FROM weeks w
       LEFT JOIN merged m ON ${inWeek('m.merged_at')}
       GROUP BY ROLLUP (w.start) ORDER BY w.start NULLS LAST`,
      [repo.id, weeks],
    )) as Array<{ week: string | null; merged: number; median_seconds: string | null }>;
    const seconds = (r: { median_seconds: string | null }) =>
      r.median_seconds === null ? null : Number(r.median_seconds);
    const total = rows[rows.length - 1];
    return {
      weeks: rows
        .slice(0, -1)
        .map((r) => ({ week: r.week as string, merged: r.merged, medianSeconds: seconds(r) })),
      merged: total.merged,
      medianSeconds: seconds(total),
    };
  }

  async statsHistory(repo: RepositoryRow, query: StatsHistoryQueryDto): Promise<StatsPoint[]> {
    const { since, until } = range(
      query.since ?? new Date(Date.now() - STATS_DEFAULT_DAYS * 86_400_000).toISOString(),
      query.until,
    );
    const rows = (await this.dataSource.query(
      `SELECT * FROM (
         SELECT captured_at, stars, forks, watchers, open_issues FROM repo_stats_snapshots
         WHERE repo_id = $1 AND captured_at >= $2::timestamptz AND ($3::timestamptz IS NULL OR captured_at < $3::timestamptz)
         ORDER BY captured_at DESC LIMIT ${STATS_MAX_POINTS}
       ) latest ORDER BY captured_at ASC`,
      [repo.id, since, until ?? null],
    )) as Array<{ captured_at: Date; stars: number; forks: number; watchers: number; open_issues: number }>;
    return rows.map((r) => ({
      capturedAt: r.captured_at.toISOString(),
      stars: r.stars,
      forks: r.forks,
      watchers: r.watchers,
      openIssues: r.open_issues,
    }));
  }
}

interface CommitRow {
  sha: string;
  message: string;
  author_name: string | null;
  author_email: string | null;
  author_login: string | null;
  authored_at: Date;
  committer_name: string | null;
  committer_email: string | null;
  committer_login: string | null;
  committed_at: Date;
  additions: number | null;
  deletions: number | null;
  changed_files: number | null;
  figures_status: 'pending' | 'unavailable' | null;
  parents: string[];
  html_url: string;
  cursor_time: string;
}

interface PullRow {
  number: number;
  title: string;
  state: PullRequest['state'];
  draft: boolean;
  author_login: string | null;
  created_at: Date;
  updated_at: Date;
  closed_at: Date | null;
  merged_at: Date | null;
  base_ref: string;
  head_ref: string;
  additions: number | null;
  deletions: number | null;
  changed_files: number | null;
  figures_status: 'pending' | 'unavailable' | null;
  commits_count: number | null;
  review_count: number;
  first_review_at: Date | null;
  labels: string[];
  html_url: string;
  cursor_time: string;
  cycle_time_seconds: string | null;
}

interface BranchRow {
  name: string;
  head_sha: string;
  protected: boolean;
  last_commit_at: Date | null;
  ahead_by: number | null;
  behind_by: number | null;
}

function range(since: string | undefined, until: string | undefined): { since?: string; until?: string } {
  if (since && until && Date.parse(since) >= Date.parse(until))
    throw ApiException.badRequest('since must be earlier than until');
  return { since, until };
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function toCommit(r: CommitRow): Commit {
  return {
    sha: r.sha,
    message: decodePgText(r.message),
    author: {
      name: fromPgText(r.author_name),
      email: fromPgText(r.author_email),
      login: r.author_login,
      date: r.authored_at.toISOString(),
    },
    committer: {
      name: fromPgText(r.committer_name),
      email: fromPgText(r.committer_email),
      login: r.committer_login,
      date: r.committed_at.toISOString(),
    },
    additions: r.additions,
    deletions: r.deletions,
    changedFiles: r.changed_files,
    ...(r.figures_status === 'unavailable' ? { figuresUnavailable: true } : {}),
    parents: r.parents,
    htmlUrl: r.html_url,
  };
}

function toPull(r: PullRow): PullRequest {
  return {
    number: r.number,
    title: decodePgText(r.title),
    state: r.state,
    draft: r.draft,
    author: r.author_login,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    closedAt: iso(r.closed_at),
    mergedAt: iso(r.merged_at),
    baseRef: decodePgText(r.base_ref),
    headRef: decodePgText(r.head_ref),
    additions: r.additions,
    deletions: r.deletions,
    changedFiles: r.changed_files,
    ...(r.figures_status === 'unavailable' ? { figuresUnavailable: true } : {}),
    commits: r.commits_count,
    reviewCount: r.review_count,
    firstReviewAt: iso(r.first_review_at),
    labels: r.labels.map(decodePgText),
    cycleTimeSeconds: r.cycle_time_seconds === null ? null : Number(r.cycle_time_seconds),
    htmlUrl: r.html_url,
  };
}

function toBranch(r: BranchRow): Branch {
  return {
    name: decodePgText(r.name),
    headSha: r.head_sha,
    protected: r.protected,
    lastCommitAt: iso(r.last_commit_at),
    aheadBy: r.ahead_by,
    behindBy: r.behind_by,
  };
}
