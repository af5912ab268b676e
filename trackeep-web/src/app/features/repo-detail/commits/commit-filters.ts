import type { CommitQuery } from '../../../core/api/repos.api';

/** Commit filters as they appear in the URL and the form: dates are local calendar days (YYYY-MM-DD). */
export interface CommitFilters {
  branch: string;
  author: string;
  since: string;
  until: string;
  q: string;
}

export const NO_COMMIT_FILTERS: CommitFilters = { branch: '', author: '', since: '', until: '', q: '' };

/** The branch filter's value for every branch's commits (git allows no `*` in a branch name); none is the default branch. */
export const ALL_BRANCHES = '*';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function commitFiltersFromQuery(params: Record<string, string | undefined>): CommitFilters {
  return {
    branch: params['branch'] ?? '',
    author: params['author'] ?? '',
    since: DAY.test(params['since'] ?? '') ? (params['since'] as string) : '',
    until: DAY.test(params['until'] ?? '') ? (params['until'] as string) : '',
    q: params['q'] ?? '',
  };
}

export function commitFiltersToQuery(filters: CommitFilters): Record<string, string | null> {
  return {
    branch: filters.branch || null,
    author: filters.author || null,
    since: filters.since || null,
    until: filters.until || null,
    q: filters.q || null,
  };
}

/** The API query: whole local days become instants (start of `since`, end of `until`). */
export function toCommitQuery(filters: CommitFilters, cursor: string | null, limit: number): CommitQuery {
  return {
    branch: filters.branch === ALL_BRANCHES ? null : filters.branch || null,
    author: filters.author.trim() || null,
    since: filters.since ? new Date(`${filters.since}T00:00:00`).toISOString() : null,
    until: filters.until ? new Date(`${filters.until}T23:59:59.999`).toISOString() : null,
    q: filters.q.trim() || null,
    cursor,
    limit,
  };
}

export function sameCommitFilters(a: CommitFilters, b: CommitFilters): boolean {
  return (
    a.branch === b.branch &&
    a.author === b.author &&
    a.since === b.since &&
    a.until === b.until &&
    a.q === b.q
  );
}
