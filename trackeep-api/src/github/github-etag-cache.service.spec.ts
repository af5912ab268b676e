import { nextPagePath } from './github-etag-cache.service';

describe(nextPagePath.name, () => {
  const link = (url: string) =>
    `<${url}>; rel="next", <https://api.github.com/user/repos?page=9>; rel="last"`;

  it('turns the rel="next" URL into a path under the API base', () => {
    expect(
      nextPagePath(link('https://api.github.com/user/repos?per_page=100&page=2'), 'https://api.github.com'),
    ).toBe('/user/repos?per_page=100&page=2');
  });

  it('strips a GHES /api/v3 prefix', () => {
    expect(
      nextPagePath(
        link('https://ghe.example.com/api/v3/user/repos?page=3'),
        'https://ghe.example.com/api/v3',
      ),
    ).toBe('/user/repos?page=3');
  });

  it('follows a next link GitHub gives by repository id (/repositories/{id}/…)', () => {
    expect(
      nextPagePath(
        link('https://ghe.example.com/api/v3/repositories/1296269/hooks?per_page=100&page=2'),
        'https://ghe.example.com/api/v3',
      ),
    ).toBe('/repositories/1296269/hooks?per_page=100&page=2');
  });

  it('returns null on the last page', () => {
    expect(
      nextPagePath('<https://api.github.com/user/repos?page=1>; rel="prev"', 'https://api.github.com'),
    ).toBeNull();
    expect(nextPagePath(null, 'https://api.github.com')).toBeNull();
  });

  it('never follows a next link to another host (the token would go with it)', () => {
    expect(
      nextPagePath(link('https://evil.example.com/user/repos?page=2'), 'https://api.github.com'),
    ).toBeNull();
  });
});
