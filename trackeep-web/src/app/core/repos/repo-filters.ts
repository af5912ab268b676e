import type { RepoVisibility } from '@trackeep/contracts';

export type RepoSort = 'stars' | 'activity' | 'name';

export interface RepoFilters {
  q: string;
  sort: RepoSort;
  language: string;
  owner: string;
  visibility: RepoVisibility | '';
}

export const DEFAULT_REPO_FILTERS: RepoFilters = {
  q: '',
  sort: 'activity',
  language: '',
  owner: '',
  visibility: '',
};

/** The fields both tracked and accessible repositories share, which is all filtering needs. */
export interface FilterableRepo {
  owner: string;
  name: string;
  fullName: string;
  description: string | null;
  language: string | null;
  visibility: RepoVisibility;
  stars: number;
  pushedAt: string | null;
  updatedAt: string | null;
}

function lastActivity(repo: FilterableRepo): number {
  const iso = repo.pushedAt ?? repo.updatedAt;
  return iso ? Date.parse(iso) : 0;
}

const byName = (a: FilterableRepo, b: FilterableRepo) =>
  a.fullName.localeCompare(b.fullName, 'en', { sensitivity: 'base' });

const COMPARATORS: Record<RepoSort, (a: FilterableRepo, b: FilterableRepo) => number> = {
  stars: (a, b) => b.stars - a.stars || byName(a, b),
  activity: (a, b) => lastActivity(b) - lastActivity(a) || byName(a, b),
  name: byName,
};

/** Search (name, owner, description; every word must match), filters, then a stable sort. */
export function applyRepoFilters<T extends FilterableRepo>(repos: readonly T[], filters: RepoFilters): T[] {
  const words = filters.q.toLowerCase().split(/\s+/).filter(Boolean);
  return repos
    .filter((repo) => {
      if (filters.language && (repo.language ?? '') !== filters.language) return false;
      if (filters.owner && repo.owner.toLowerCase() !== filters.owner.toLowerCase()) return false;
      if (filters.visibility && repo.visibility !== filters.visibility) return false;
      if (words.length === 0) return true;
      const haystack = `${repo.fullName} ${repo.description ?? ''}`.toLowerCase();
      return words.every((w) => haystack.includes(w));
    })
    .sort(COMPARATORS[filters.sort]);
}

export function hasActiveFilters(filters: RepoFilters): boolean {
  return Boolean(filters.q || filters.language || filters.owner || filters.visibility);
}

/** Sorted distinct values of one field, for filter menus. */
export function distinct(
  repos: readonly FilterableRepo[],
  pick: (r: FilterableRepo) => string | null,
): string[] {
  const values = new Set<string>();
  for (const repo of repos) {
    const v = pick(repo);
    if (v) values.add(v);
  }
  return [...values].sort((a, b) => a.localeCompare(b, 'en', { sensitivity: 'base' }));
}

const SORTS: RepoSort[] = ['stars', 'activity', 'name'];
const VISIBILITIES: RepoVisibility[] = ['public', 'private', 'internal'];

/** Filters from the URL's query string; anything unknown falls back to the default. */
export function filtersFromQuery(params: Record<string, string | undefined>): RepoFilters {
  const sort = params['sort'] as RepoSort;
  const visibility = params['visibility'] as RepoVisibility;
  return {
    q: params['q'] ?? '',
    sort: SORTS.includes(sort) ? sort : DEFAULT_REPO_FILTERS.sort,
    language: params['language'] ?? '',
    owner: params['owner'] ?? '',
    visibility: VISIBILITIES.includes(visibility) ? visibility : '',
  };
}

/** The query string for filters, leaving out defaults so shared links stay short. */
export function filtersToQuery(filters: RepoFilters): Record<string, string | null> {
  return {
    q: filters.q || null,
    sort: filters.sort === DEFAULT_REPO_FILTERS.sort ? null : filters.sort,
    language: filters.language || null,
    owner: filters.owner || null,
    visibility: filters.visibility || null,
  };
}
