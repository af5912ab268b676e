import { ApiEnv } from '../config/api-env';
import type { GithubClientFactory } from '../github/github-client.factory';
import type { GithubEtagCache } from '../github/github-etag-cache.service';
import { GithubReauthRequiredException } from '../github/github-reauth-required.exception';
import { RepoAccessCheckService } from './repo-access-check.service';
import type { RepoAccessRepository } from './repo-access.repository';

const target = { repoId: 'r1', fullName: 'octocat/secret' };

function githubError(status: number, headers: Record<string, string> = {}): Error {
  return Object.assign(new Error(`HTTP ${status}`), { status, response: { headers } });
}

describe(RepoAccessCheckService.name, () => {
  let answer: () => Promise<{ data: unknown }>;
  /** The unconditional second request after a 404, and `GET /rate_limit` (the token still works). */
  let again: () => Promise<{ data: unknown }>;
  let rateLimit: () => Promise<{ data: unknown }>;
  let asked: number;
  let store: { revoke: jest.Mock; confirm: jest.Mock };
  let sut: RepoAccessCheckService;

  beforeEach(() => {
    asked = 0;
    answer = async () => ({ data: { permissions: { pull: true, push: true } } });
    store = { revoke: jest.fn(async () => undefined), confirm: jest.fn(async () => undefined) };
    const env = Object.assign(new ApiEnv(), { ACCESS_RECHECK_SECONDS: 60 });
    again = () => answer();
    rateLimit = async () => ({ data: { resources: {} } });
    const octokit = {
      request: async (route: string) => {
        asked++;
        return route === 'GET /rate_limit' ? rateLimit() : again();
      },
    };
    const clients = { forUser: async () => octokit } as unknown as GithubClientFactory;
    const etags = {
      get: async () => {
        asked++;
        return { ...(await answer()), link: null, notModified: false };
      },
    } as unknown as GithubEtagCache;
    sut = new RepoAccessCheckService(env, clients, etags, store as unknown as RepoAccessRepository);
  });

  it('confirms access with the highest permission GitHub grants', async () => {
    expect(await sut.check('u1', target)).toBe('granted');
    expect(store.confirm).toHaveBeenCalledWith('u1', 'r1', 'push');
    expect(store.revoke).not.toHaveBeenCalled();
  });

  it('shares one request between checks of the same user and repository that run at once', async () => {
    const waiting: Array<() => void> = [];
    answer = () =>
      new Promise((resolve) => waiting.push(() => resolve({ data: { permissions: { pull: true } } })));
    const checks = [sut.check('u1', target), sut.check('u1', target), sut.check('u1', target)];
    const other = sut.check('u2', target);
    await new Promise((r) => setImmediate(r));
    for (const release of waiting) release();
    expect(await Promise.all(checks)).toEqual(['granted', 'granted', 'granted']);
    await other;
    expect(asked).toBe(2); // one for u1, one for u2
  });

  it.each([
    ['a 404, twice, under a token that still works', () => Promise.reject(githubError(404))],
    [
      'a 200 whose permissions grant nothing',
      async () => ({ data: { permissions: { admin: false, push: false, pull: false } } }),
    ],
  ])('revokes on evidence: %s', async (_what, reply) => {
    answer = reply;
    expect(await sut.check('u1', target)).toBe('revoked');
    expect(store.revoke).toHaveBeenCalledWith('u1', 'r1');
  });

  it('keeps access when a 404 is not confirmed: the second request finds the repository', async () => {
    answer = () => Promise.reject(githubError(404));
    again = async () => ({ data: { permissions: { pull: true } } });
    expect(await sut.check('u1', target)).toBe('granted');
    expect(store.revoke).not.toHaveBeenCalled();
  });

  it('keeps the previous answer after a 404 when the token fails other calls too', async () => {
    answer = () => Promise.reject(githubError(404));
    rateLimit = () => Promise.reject(githubError(502));
    expect(await sut.check('u1', target)).toBe('inconclusive');
    expect(store.revoke).not.toHaveBeenCalled();
  });

  it.each([
    ['a primary rate limit', githubError(403, { 'x-ratelimit-remaining': '0' })],
    ['a secondary rate limit', githubError(429, { 'retry-after': '60' })],
    ['SAML SSO', githubError(403, { 'x-github-sso': 'required; url=https://github.com/orgs/acme/sso' })],
    ['an OAuth App restriction', githubError(403)],
    ['a server error', githubError(502)],
    [
      'a timeout',
      Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' }),
    ],
  ])('keeps the previous answer on %s', async (_what, error) => {
    answer = () => Promise.reject(error);
    expect(await sut.check('u1', target)).toBe('inconclusive');
    expect(store.revoke).not.toHaveBeenCalled();
    expect(store.confirm).not.toHaveBeenCalled();
  });

  it('does not ask a limited GitHub again at once, unless forced', async () => {
    answer = () => Promise.reject(githubError(403, { 'x-ratelimit-remaining': '0' }));
    await sut.check('u1', target);
    expect(await sut.check('u1', target)).toBe('inconclusive');
    expect(asked).toBe(1);
    answer = async () => ({ data: { permissions: { pull: true } } });
    expect(await sut.check('u1', target, { force: true })).toBe('granted');
    expect(asked).toBe(2);
  });

  it('reports a dead token (401) as reauth, without revoking', async () => {
    answer = () => Promise.reject(new GithubReauthRequiredException('u1'));
    expect(await sut.check('u1', target)).toBe('reauth');
    expect(store.revoke).not.toHaveBeenCalled();
  });

  it('re-checks only non-public answers older than the window', () => {
    const now = Date.now();
    expect(sut.isStale({ visibility: 'private', checkedAt: new Date(now - 61_000) }, now)).toBe(true);
    expect(sut.isStale({ visibility: 'internal', checkedAt: new Date(now - 61_000) }, now)).toBe(true);
    expect(sut.isStale({ visibility: 'private', checkedAt: new Date(now - 10_000) }, now)).toBe(false);
    expect(sut.isStale({ visibility: 'public', checkedAt: new Date(0) }, now)).toBe(false);
  });
});
