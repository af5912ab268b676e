import type { Insertable, Selectable } from 'kysely';
import type {
  ActivityEvents,
  Branches,
  Commits,
  PullRequests,
  Repositories,
  RepoStatsSnapshots,
} from '../../database/db.types';

// The row type of each table is the one generated from the schema (database/db.types.ts): readers select
// `Selectable<Commits>` and the like. These are what a source hands the write model, derived from the same
// types: timestamps as Date or ISO text, null where GitHub said nothing. Text is passed as GitHub sent it: the
// write model stores it in pg-text form and readers decode it.

export type PullRequestState = 'open' | 'closed' | 'merged';

type Written<T, Omitted extends keyof T> = Required<Omit<Insertable<T>, Omitted>>;

export type CommitWrite = Omit<
  Written<Commits, 'repo_id' | 'figures_status' | 'figures_refusals'>,
  'parents'
> & {
  /** Empty when the source does not know them (a push payload). */
  parents: string[];
};

/** Every source carries these; the rest are optional (review counts come only from the sync). */
export type PullRequestWrite = Omit<
  Written<
    PullRequests,
    | 'repo_id'
    | 'figures_status'
    | 'figures_refusals'
    | 'review_count'
    | 'first_review_at'
    | 'comments_count'
    | 'first_commit_at'
  >,
  'state'
> & {
  state: PullRequestState;
  review_count?: number;
  first_review_at?: Date | string | null;
  /** When its first commit was written; only the sync reads it (webhook payloads do not carry it). */
  first_commit_at?: Date | string | null;
  /** Conversation and review comments; left out by a source that does not count them. */
  comments_count?: number | null;
};

/**
 * The branch against the default branch, as the sync reads it: the counts, and the two heads they were computed
 * for (read back only while both are current).
 */
export type BranchComparisonColumn = 'ahead_by' | 'behind_by' | 'compared_sha' | 'compared_to_sha';

/** A branch head as a source saw it; `updated_at` is when (a push's time; the database's clock if left out). */
export type BranchWrite = Pick<Written<Branches, 'repo_id'>, 'name' | 'head_sha' | 'last_commit_at'> &
  Partial<Pick<Written<Branches, 'repo_id'>, BranchComparisonColumn>> & {
    /** Only the sync sees protection. */
    protected?: boolean;
    updated_at?: Date | string;
  };

export type ActivityWrite = Omit<Written<ActivityEvents, 'repo_id' | 'id' | 'created_at'>, 'data'> & {
  data: Record<string, unknown>;
};

/** A timeline entry as a write rule builds it, the same from every source (its type is the caller's). */
export interface TimelineEntry {
  actor: string | null;
  title: string;
  url: string | null;
  occurredAt: Date;
  data: Record<string, unknown>;
  dedupeKey: string;
}

type RepositoryField =
  | 'node_id'
  | 'owner'
  | 'name'
  | 'full_name'
  | 'description'
  | 'language'
  | 'topics'
  | 'visibility'
  | 'default_branch'
  | 'archived'
  | 'html_url'
  | 'stars'
  | 'forks'
  | 'watchers'
  | 'open_issues'
  | 'size_kb'
  | 'pushed_at'
  | 'github_updated_at';

/** GitHub's fields of a repository row; a source passes those it has (null: this copy does not say). */
export type RepositoryWrite = {
  [K in RepositoryField]?: Written<Repositories, 'id'>[K] | null;
};

export type Counters = Pick<Selectable<RepoStatsSnapshots>, 'stars' | 'forks' | 'watchers' | 'open_issues'>;

/** A commit of a branch's history, as push reconstruction reads it. */
export interface HistoryCommit {
  sha: string;
  parents: string[];
  committedAt: Date;
  /** The author's login, else name. */
  author: string | null;
  authorLogin: string | null;
  committer: string | null;
}
