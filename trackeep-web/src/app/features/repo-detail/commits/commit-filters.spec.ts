import {
  ALL_BRANCHES,
  NO_COMMIT_FILTERS,
  commitFiltersFromQuery,
  commitFiltersToQuery,
  sameCommitFilters,
  toCommitQuery,
} from './commit-filters';

describe('commit filters', () => {
  it('turns whole local days into the instants the API filters on', () => {
    const query = toCommitQuery({ ...NO_COMMIT_FILTERS, since: '2026-03-01', until: '2026-03-02' }, null, 50);
    expect(query.since).toBe(new Date(2026, 2, 1, 0, 0, 0, 0).toISOString());
    expect(query.until).toBe(new Date(2026, 2, 2, 23, 59, 59, 999).toISOString());
  });

  it('sends only filters that are set, trimmed, with cursor and page size', () => {
    expect(
      toCommitQuery({ ...NO_COMMIT_FILTERS, author: '  octocat ', q: ' ', branch: 'dev' }, 'c1', 50),
    ).toEqual({
      branch: 'dev',
      author: 'octocat',
      since: null,
      until: null,
      q: null,
      cursor: 'c1',
      limit: 50,
    });
  });

  it('asks for every branch without a branch parameter', () => {
    expect(toCommitQuery({ ...NO_COMMIT_FILTERS, branch: ALL_BRANCHES }, null, 50).branch).toBeNull();
    expect(commitFiltersToQuery({ ...NO_COMMIT_FILTERS, branch: ALL_BRANCHES })['branch']).toBe('*');
  });

  it('ignores malformed dates in the URL and round-trips the rest', () => {
    const filters = commitFiltersFromQuery({ since: '03/01/2026', until: '2026-03-02', q: 'fix' });
    expect(filters).toEqual({ ...NO_COMMIT_FILTERS, until: '2026-03-02', q: 'fix' });
    expect(commitFiltersToQuery(filters)).toEqual({
      branch: null,
      author: null,
      since: null,
      until: '2026-03-02',
      q: 'fix',
    });
    expect(sameCommitFilters(filters, { ...filters })).toBe(true);
    expect(sameCommitFilters(filters, { ...filters, q: 'fi' })).toBe(false);
  });
});
