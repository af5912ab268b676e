import { Injectable } from '@nestjs/common';
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
import { ApiException } from '../common/api-exception';
import { decodeCursor, encodeCursor, page } from '../common/cursor.util';
import { decodePgText, fromPgText } from '../common/pg-text.util';
import type {
  CommitsQueryDto,
  PageQueryDto,
  PullsQueryDto,
  StatsHistoryQueryDto,
  WeeksQueryDto,
} from './dto/repo-queries.dto';
import {
  RepoDataRepository,
  type BranchListRow,
  type CommitListRow,
  type PullListRow,
} from './repo-data.repository';
import type { RepositoryRow } from './repository-row';
import { StarHistoryReadRepository } from './star-history-read.repository';
import { pointsBeforeTracking } from './star-history.points';

const STATS_DEFAULT_DAYS = 90;
const STATS_MAX_POINTS = 2000;

/**
 * A repository's synced data for the data endpoints: filters, keyset cursors and the API's shapes. Callers pass
 * a RepositoryRow obtained from RepoAccessService.findReadable, so access is always checked before anything
 * here runs.
 */
@Injectable()
export class RepoDataService {
  constructor(
    private readonly data: RepoDataRepository,
    private readonly starHistory: StarHistoryReadRepository,
  ) {}

  async commits(repo: RepositoryRow, query: CommitsQueryDto): Promise<Page<Commit>> {
    const limit = query.limit ?? PAGE_SIZE_DEFAULT;
    const scope = `commits:${repo.id}`;
    const { since, until } = range(query.since, query.until);
    let after: { time: string; sha: string } | undefined;
    if (query.cursor !== undefined) {
      const [time, sha] = decodeCursor(query.cursor, scope, ['date', 'string']);
      after = { time: String(time), sha: String(sha) };
    }
    const rows = await this.data.commits(repo.id, {
      branch: query.branch,
      author: query.author,
      q: query.q,
      since,
      until,
      after,
      limit: limit + 1,
    });
    return page(rows, limit, (r) => encodeCursor(scope, [r.cursor_time, r.sha]), toCommit);
  }

  async pulls(repo: RepositoryRow, query: PullsQueryDto): Promise<Page<PullRequest>> {
    const limit = query.limit ?? PAGE_SIZE_DEFAULT;
    const sort = query.sort ?? 'updated';
    const direction = query.direction ?? 'desc';
    const scope = `pulls:${repo.id}:${sort}:${direction}`;
    let after: { time: string; number: number } | undefined;
    if (query.cursor !== undefined) {
      const [time, number] = decodeCursor(query.cursor, scope, ['date', 'number']);
      after = { time: String(time), number: Number(number) };
    }
    const rows = await this.data.pulls(repo.id, {
      sort,
      direction,
      state: query.state && query.state !== 'all' ? query.state : undefined,
      author: query.author,
      after,
      limit: limit + 1,
    });
    return page(rows, limit, (r) => encodeCursor(scope, [r.cursor_time, r.number]), toPull);
  }

  async branches(repo: RepositoryRow, query: PageQueryDto): Promise<Page<Branch>> {
    const limit = query.limit ?? PAGE_SIZE_DEFAULT;
    const scope = `branches:${repo.id}`;
    const afterName =
      query.cursor === undefined ? undefined : String(decodeCursor(query.cursor, scope, ['string'])[0]);
    const rows = await this.data.branches(repo.id, afterName, limit + 1);
    return page(rows, limit, (r) => encodeCursor(scope, [r.name]), toBranch);
  }

  /** Commits and line changes per week (Monday 00:00 UTC), oldest first, weeks without commits included. */
  weeklyCommits(repo: RepositoryRow, query: WeeksQueryDto): Promise<WeeklyCommits[]> {
    return this.data.weeklyCommits(repo.id, query.weeks ?? WEEKLY_CHART_DEFAULT_WEEKS);
  }

  /**
   * Median open→merge time of the pull requests merged each week, and over all the weeks (ROLLUP's total row),
   * computed here so the chart covers every merge, not just the pages a browser happened to load.
   */
  async cycleTime(repo: RepositoryRow, query: WeeksQueryDto): Promise<CycleTimeSummary> {
    const rows = await this.data.mergedPerWeek(repo.id, query.weeks ?? WEEKLY_CHART_DEFAULT_WEEKS);
    const seconds = (r: { median_seconds: string | null }) =>
      r.median_seconds === null ? null : Number(r.median_seconds);
    const total = rows.find((r) => r.week === null);
    return {
      weeks: rows.flatMap((r) =>
        r.week === null ? [] : [{ week: r.week, merged: r.merged, medianSeconds: seconds(r) }],
      ),
      merged: total?.merged ?? 0,
      medianSeconds: total ? seconds(total) : null,
    };
  }

  async statsHistory(repo: RepositoryRow, query: StatsHistoryQueryDto): Promise<StatsPoint[]> {
    const since = query.since ?? new Date(Date.now() - STATS_DEFAULT_DAYS * 86_400_000).toISOString();
    const { until } = range(since, query.until);
    const rows = await this.data.statsHistory(repo.id, since, until, STATS_MAX_POINTS);
    // Before the first snapshot, the stars and forks history (backfilled from GitHub) tells the story.
    const before = pointsBeforeTracking(
      await this.starHistory.perDay(repo.id),
      await this.starHistory.firstSnapshotAt(repo.id),
      { since, until },
      STATS_MAX_POINTS - rows.length,
    );
    return [
      ...before,
      ...rows.map((r) => ({
        capturedAt: r.captured_at.toISOString(),
        stars: r.stars,
        forks: r.forks,
        watchers: r.watchers,
        openIssues: r.open_issues,
      })),
    ];
  }
}

function range(since: string | undefined, until: string | undefined): { since?: string; until?: string } {
  if (since && until && Date.parse(since) >= Date.parse(until))
    throw ApiException.badRequest('since must be earlier than until');
  return { since, until };
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function toCommit(r: CommitListRow): Commit {
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

function toPull(r: PullListRow): PullRequest {
  return {
    number: r.number,
    title: decodePgText(r.title),
    state: pullState(r.state),
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

function toBranch(r: BranchListRow): Branch {
  return {
    name: decodePgText(r.name),
    headSha: r.head_sha,
    protected: r.protected,
    lastCommitAt: iso(r.last_commit_at),
    aheadBy: r.ahead_by,
    behindBy: r.behind_by,
    comparisonStale: r.comparison_stale,
  };
}

const PULL_STATES: readonly PullRequest['state'][] = ['open', 'closed', 'merged'];

function pullState(state: string): PullRequest['state'] {
  return PULL_STATES.find((s) => s === state) ?? 'closed';
}
