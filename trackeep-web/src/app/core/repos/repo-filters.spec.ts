import { aGithubRepo } from '../../../testing/fixtures';
import {
  DEFAULT_REPO_FILTERS,
  applyRepoFilters,
  distinct,
  filtersFromQuery,
  filtersToQuery,
  hasActiveFilters,
} from './repo-filters';

const repos = [
  aGithubRepo({
    owner: 'acme',
    name: 'widgets',
    stars: 5,
    language: 'TypeScript',
    pushedAt: '2026-03-01T00:00:00Z',
  }),
  aGithubRepo({
    owner: 'acme',
    name: 'gears',
    stars: 50,
    language: 'Go',
    visibility: 'private',
    pushedAt: '2026-01-01T00:00:00Z',
    description: 'Gear box',
  }),
  aGithubRepo({
    owner: 'octocat',
    name: 'Hello-World',
    stars: 50,
    language: null,
    pushedAt: null,
    updatedAt: '2026-02-01T00:00:00Z',
  }),
];
const names = (list: { fullName: string }[]) => list.map((r) => r.fullName);

describe('repository filters', () => {
  it('sorts by recent activity by default, falling back to the update time', () => {
    expect(names(applyRepoFilters(repos, DEFAULT_REPO_FILTERS))).toEqual([
      'acme/widgets',
      'octocat/Hello-World',
      'acme/gears',
    ]);
  });

  it('sorts by stars (ties by name) and by name, case-insensitively', () => {
    expect(names(applyRepoFilters(repos, { ...DEFAULT_REPO_FILTERS, sort: 'stars' }))).toEqual([
      'acme/gears',
      'octocat/Hello-World',
      'acme/widgets',
    ]);
    expect(names(applyRepoFilters(repos, { ...DEFAULT_REPO_FILTERS, sort: 'name' }))).toEqual([
      'acme/gears',
      'acme/widgets',
      'octocat/Hello-World',
    ]);
  });

  it('searches name, owner and description, requiring every word', () => {
    expect(names(applyRepoFilters(repos, { ...DEFAULT_REPO_FILTERS, q: 'gear BOX' }))).toEqual([
      'acme/gears',
    ]);
    expect(names(applyRepoFilters(repos, { ...DEFAULT_REPO_FILTERS, q: 'acme widg' }))).toEqual([
      'acme/widgets',
    ]);
    expect(applyRepoFilters(repos, { ...DEFAULT_REPO_FILTERS, q: 'acme nothing' })).toEqual([]);
  });

  it('filters by language, owner and visibility together', () => {
    const filters = {
      ...DEFAULT_REPO_FILTERS,
      owner: 'ACME',
      visibility: 'private' as const,
      language: 'Go',
    };
    expect(names(applyRepoFilters(repos, filters))).toEqual(['acme/gears']);
    expect(hasActiveFilters(filters)).toBe(true);
    expect(hasActiveFilters({ ...DEFAULT_REPO_FILTERS, sort: 'name' })).toBe(false);
  });

  it('does not reorder the list it was given', () => {
    const input = [...repos];
    applyRepoFilters(input, { ...DEFAULT_REPO_FILTERS, sort: 'name' });
    expect(input).toEqual(repos);
  });

  it('offers each language and owner once, sorted, for the filter menus', () => {
    expect(distinct(repos, (r) => r.language)).toEqual(['Go', 'TypeScript']);
    expect(distinct(repos, (r) => r.owner)).toEqual(['acme', 'octocat']);
  });

  it('reads filters from the URL, ignoring unknown values, and writes back only what differs from the default', () => {
    const filters = filtersFromQuery({ q: 'x', sort: 'bogus', visibility: 'secret', language: 'Go' });
    expect(filters).toEqual({ ...DEFAULT_REPO_FILTERS, q: 'x', language: 'Go' });
    expect(filtersToQuery(filters)).toEqual({
      q: 'x',
      sort: null,
      language: 'Go',
      owner: null,
      visibility: null,
    });
    expect(
      filtersFromQuery(filtersToQuery({ ...filters, sort: 'stars' }) as Record<string, string>).sort,
    ).toBe('stars');
  });
});
