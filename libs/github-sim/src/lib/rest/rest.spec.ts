import type { components } from '@octokit/openapi-types';
import { client, control } from '../../spec/helpers';
import { startGithubSim } from '../server';
import type { GithubSimHandle } from '../sim.types';

type Repo = components['schemas']['repository'];
type FullRepo = components['schemas']['full-repository'];
type Commit = components['schemas']['commit'];
type Pull = components['schemas']['pull-request-simple'];

describe('REST API', () => {
  let sim: GithubSimHandle;
  let token: string;
  let api: ReturnType<typeof client>;

  beforeAll(async () => {
    sim = await startGithubSim({
      preset: 'small',
      seed: 7,
      sizes: { reposPerOwner: 5, commitsPerRepo: 230 },
    });
    token = sim.issueToken('octocat', ['repo', 'read:org', 'user']);
    api = client(sim, token);
  });
  afterAll(() => sim.stop());

  describe('authentication and errors', () => {
    it('answers 401 Bad credentials for an unknown token', async () => {
      const res = await client(sim, 'gho_notarealtoken000000000000000000000').get<{
        message: string;
        documentation_url: string;
      }>('/user');
      expect(res.status).toBe(401);
      expect(res.body.message).toBe('Bad credentials');
      expect(res.body.documentation_url).toMatch(/^https:\/\/docs\.github\.com\//);
    });

    it('answers 401 Requires authentication for /user without a token', async () => {
      const res = await client(sim).get<{ message: string }>('/user');
      expect(res.status).toBe(401);
      expect(res.body.message).toBe('Requires authentication');
    });

    it('answers unknown routes with GitHub’s 404 JSON shape', async () => {
      const res = await api.get<Record<string, string>>('/this/does/not/exist');
      expect(res.status).toBe(404);
      expect(res.body).toEqual({
        message: 'Not Found',
        documentation_url: 'https://docs.github.com/rest',
        status: '404',
      });
    });

    it('answers 400 Problems parsing JSON for a broken body', async () => {
      const res = await api.call<{ message: string }>(
        'POST',
        '/repos/octocat/Hello-World/hooks',
        '{"config":',
        { 'content-type': 'application/json' },
      );
      expect(res.status).toBe(400);
      expect(res.body.message).toBe('Problems parsing JSON');
    });

    it('rejects an unsupported X-GitHub-Api-Version with 400', async () => {
      const res = await api.get('/user', { 'x-github-api-version': '2019-01-01' });
      expect(res.status).toBe(400);
      expect((await api.get('/user', { 'x-github-api-version': '2022-11-28' })).status).toBe(200);
    });

    it('serves the same API under the GHES-style /api/v3 prefix, with /api/v3 URLs in bodies', async () => {
      const res = await client(sim, token, `${sim.url}/api/v3`).get<FullRepo>('/repos/octocat/Hello-World');
      expect(res.status).toBe(200);
      expect(res.body.url).toBe(`${sim.url}/api/v3/repos/octocat/Hello-World`);
      expect(res.body.html_url).toBe(`${sim.url}/octocat/Hello-World`);
    });
  });

  describe('users and orgs', () => {
    it('returns the authenticated user with a numeric id', async () => {
      const res = await api.get<components['schemas']['private-user']>('/user');
      expect(typeof res.body.id).toBe('number');
      expect(res.body.login).toBe('octocat');
      expect(res.body.node_id).toBe(Buffer.from('04:User583231').toString('base64'));
    });

    it('lists emails only with the user or user:email scope', async () => {
      const ok = await api.get<components['schemas']['email'][]>('/user/emails');
      expect(ok.body.find((e) => e.primary)?.email).toBe('octocat@github.com');
      const noScope = await client(sim, sim.issueToken('octocat', ['repo'])).get('/user/emails');
      expect(noScope.status).toBe(404);
      expect(noScope.headers.get('x-accepted-oauth-scopes')).toBe('user, user:email');
    });

    it('lists the user’s orgs (all with read:org, public memberships without)', async () => {
      const all = await api.get<Array<{ login: string }>>('/user/orgs');
      expect(all.body.map((o) => o.login)).toEqual(['acme-corp']);
      const limited = await client(sim, sim.issueToken('octocat', [])).get<Array<{ login: string }>>(
        '/user/orgs',
      );
      expect(limited.body.map((o) => o.login)).toEqual(['acme-corp']); // octocat's acme-corp membership is public
    });

    it('checks org membership with 204 / 404 / 302 like GitHub', async () => {
      expect((await api.get('/orgs/acme-corp/members/octocat')).status).toBe(204);
      expect((await api.get('/orgs/acme-corp/members/nobody-here')).status).toBe(404);
      const outsider = sim.world.addUser({ login: 'outsider' });
      const res = await client(sim, sim.issueToken(outsider.login, ['read:org'])).get(
        '/orgs/acme-corp/members/octocat',
      );
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe(`${sim.url}/orgs/acme-corp/public_members/octocat`);
      expect((await api.get('/orgs/nope-org/members/octocat')).status).toBe(404);
    });

    it('reports team membership with role and state', async () => {
      const res = await api.get<components['schemas']['team-membership']>(
        '/orgs/acme-corp/teams/core/memberships/octocat',
      );
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ role: 'maintainer', state: 'active' });
      expect((await api.get('/orgs/acme-corp/teams/core/memberships/monalisa-not')).status).toBe(404);
      expect((await api.get('/orgs/acme-corp/teams/no-team/memberships/octocat')).status).toBe(404);
    });
  });

  describe('/user/repos', () => {
    it('paginates with Link rel next/last and caps per_page at 100', async () => {
      const first = await api.get<Repo[]>('/user/repos?per_page=2');
      expect(first.body).toHaveLength(2);
      const link = first.headers.get('link') as string;
      expect(link).toContain(`<${sim.url}/user/repos?per_page=2&page=2>; rel="next"`);
      const last = Number(/page=(\d+)>; rel="last"/.exec(link)?.[1]);
      const all = await api.get<Repo[]>('/user/repos?per_page=500');
      expect(all.body.length).toBeLessThanOrEqual(100);
      expect(last).toBe(Math.ceil(all.body.length / 2));
      const lastPage = await api.get<Repo[]>(`/user/repos?per_page=2&page=${last}`);
      expect(lastPage.headers.get('link')).toContain('rel="prev"');
      expect(lastPage.headers.get('link')).not.toContain('rel="next"');
      const names = (
        await Promise.all(
          Array.from({ length: last }, (_, k) => api.get<Repo[]>(`/user/repos?per_page=2&page=${k + 1}`)),
        )
      ).flatMap((r) => r.body.map((x) => x.full_name));
      expect(names).toEqual(all.body.map((r) => r.full_name));
    });

    it('sorts by full_name ascending by default and honours sort/direction', async () => {
      const names = (await api.get<Repo[]>('/user/repos?per_page=100')).body.map((r) =>
        r.full_name.toLowerCase(),
      );
      expect(names).toEqual([...names].sort());
      const created = (await api.get<Repo[]>('/user/repos?per_page=100&sort=created&direction=asc')).body.map(
        (r) => Date.parse(r.created_at as string),
      );
      expect(created).toEqual([...created].sort((a, b) => a - b));
    });

    it('filters by affiliation, type and visibility, and rejects type with visibility', async () => {
      const owner = (await api.get<Repo[]>('/user/repos?affiliation=owner&per_page=100')).body;
      expect(owner.length).toBeGreaterThan(0);
      expect(owner.every((r) => r.owner.login === 'octocat')).toBe(true);
      const member = (await api.get<Repo[]>('/user/repos?type=member&per_page=100')).body;
      expect(member.every((r) => r.owner.login !== 'octocat')).toBe(true);
      const priv = (await api.get<Repo[]>('/user/repos?visibility=private&per_page=100')).body;
      expect(priv.every((r) => r.private)).toBe(true);
      expect((await api.get('/user/repos?type=owner&visibility=all')).status).toBe(422);
      expect((await api.get('/user/repos?affiliation=friends')).status).toBe(422);
      expect((await api.get('/user/repos?sort=stars')).status).toBe(422);
    });

    it('hides private repos from a token without the repo scope', async () => {
      const pub = (
        await client(sim, sim.issueToken('octocat', ['read:org'])).get<Repo[]>('/user/repos?per_page=100')
      ).body;
      expect(pub.length).toBeGreaterThan(0);
      expect(pub.some((r) => r.private)).toBe(false);
    });
  });

  describe('/repos/{owner}/{repo}', () => {
    it('includes permissions for the token’s user', async () => {
      const own = await api.get<FullRepo>('/repos/octocat/Hello-World');
      expect(own.body.permissions).toEqual({
        admin: true,
        maintain: true,
        push: true,
        triage: true,
        pull: true,
      });
      const mona = await client(sim, sim.issueToken('monalisa')).get<FullRepo>('/repos/octocat/Hello-World');
      expect(mona.body.permissions?.admin).toBe(false);
      expect(mona.body.permissions?.pull).toBe(true);
    });

    it('is case-insensitive and answers 404 (not 403) for private repos one cannot see', async () => {
      expect((await api.get<FullRepo>('/repos/OCTOCAT/hello-world')).body.full_name).toBe(
        'octocat/Hello-World',
      );
      const priv =
        [...sim.world.repos.values()].find((r) => r.private && r.ownerType === 'User') ??
        [...sim.world.repos.values()].find((r) => r.private);
      expect(priv).toBeDefined();
      const stranger = sim.world.addUser({ login: 'stranger' });
      const res = await client(sim, sim.issueToken(stranger.login)).get(
        `/repos/${sim.world.fullName(priv as NonNullable<typeof priv>)}`,
      );
      expect(res.status).toBe(404);
    });

    it('serves languages and topics', async () => {
      const langs = (await api.get<Record<string, number>>('/repos/octocat/Hello-World/languages')).body;
      const sizes = Object.values(langs);
      expect(sizes.length).toBeGreaterThan(0);
      expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
      expect(
        Array.isArray((await api.get<{ names: string[] }>('/repos/octocat/Hello-World/topics')).body.names),
      ).toBe(true);
    });
  });

  describe('ETag and rate limits', () => {
    it('answers If-None-Match with 304 that does not count against the limit', async () => {
      const first = await api.get('/repos/octocat/Hello-World');
      const etag = first.headers.get('etag') as string;
      expect(etag).toMatch(/^W\/"[0-9a-f]{64}"$/);
      const remaining = Number(first.headers.get('x-ratelimit-remaining'));
      const again = await api.get('/repos/octocat/Hello-World', { 'if-none-match': etag });
      expect(again.status).toBe(304);
      expect(again.text).toBe('');
      expect(Number(again.headers.get('x-ratelimit-remaining'))).toBe(remaining);
      const before = sim.stats().rest.notModified;
      await api.get('/repos/octocat/Hello-World', { 'if-none-match': etag });
      expect(sim.stats().rest.notModified).toBe(before + 1);
      const counted = await api.get('/repos/octocat/Hello-World');
      expect(Number(counted.headers.get('x-ratelimit-remaining'))).toBe(remaining - 1);
    });

    it('sends Last-Modified and answers If-Modified-Since with an uncounted 304 until the repository changes', async () => {
      // A repository no other test here reads (an organization's): the push below changes it.
      const repo = [...sim.world.repos.values()].find(
        (r) => r.ownerType === 'Organization' && !r.private && !r.deleted,
      ) as NonNullable<ReturnType<typeof sim.world.repo>>;
      const path = `/repos/${sim.world.fullName(repo)}`;
      const first = await api.get(path);
      expect(first.status).toBe(200);
      const lastModified = first.headers.get('last-modified') as string;
      expect(Date.parse(lastModified)).toBe(
        Math.floor(Math.max(repo.updatedAt, repo.pushedAt) / 1000) * 1000,
      );
      const remaining = Number(first.headers.get('x-ratelimit-remaining'));
      const same = await api.get(path, { 'if-modified-since': lastModified });
      expect([same.status, same.text]).toEqual([304, '']);
      expect(Number(same.headers.get('x-ratelimit-remaining'))).toBe(remaining);
      const older = new Date(Date.parse(lastModified) - 1000).toUTCString();
      expect((await api.get(path, { 'if-modified-since': older })).status).toBe(200);
      expect((await api.get(path, { 'if-modified-since': 'not a date' })).status).toBe(200);
      // If-None-Match, when sent, decides alone.
      expect(
        (await api.get(path, { 'if-modified-since': lastModified, 'if-none-match': 'W/"0"' })).status,
      ).toBe(200);
      await control(sim).post(`${path}/push`, { branch: repo.defaultBranch, commits: 1 });
      const changed = await api.get(path, { 'if-modified-since': lastModified });
      expect(changed.status).toBe(200);
      const pushed = changed.headers.get('last-modified') as string;
      expect(Date.parse(pushed)).toBeGreaterThan(Date.parse(lastModified));
      // A star changes the answer but not the repository's update time: still never a stale 304.
      await control(sim).put(`${path}/stars/hubot`);
      const starred = await api.get(path, { 'if-modified-since': pushed });
      expect(starred.status).toBe(200);
      const after = starred.headers.get('last-modified') as string;
      expect(Date.parse(after)).toBeGreaterThan(Date.parse(pushed));
      expect((await api.get(path, { 'if-modified-since': after })).status).toBe(304);
    });

    it('does not reuse an ETag across users', async () => {
      const a = (await api.get('/repos/octocat/Hello-World')).headers.get('etag') as string;
      const res = await client(sim, sim.issueToken('monalisa')).get('/repos/octocat/Hello-World', {
        'if-none-match': a,
      });
      expect(res.status).toBe(200);
    });

    it('sends X-RateLimit headers with resource core, and /rate_limit does not count', async () => {
      const res = await api.get('/user');
      for (const h of ['limit', 'remaining', 'reset', 'used'])
        expect(Number(res.headers.get(`x-ratelimit-${h}`))).not.toBeNaN();
      expect(res.headers.get('x-ratelimit-resource')).toBe('core');
      expect(Number(res.headers.get('x-ratelimit-limit'))).toBe(5000);
      const rl1 = await api.get<components['schemas']['rate-limit-overview']>('/rate_limit');
      const rl2 = await api.get<components['schemas']['rate-limit-overview']>('/rate_limit');
      expect(rl2.body.resources.core.used).toBe(rl1.body.resources.core.used);
      expect(rl1.body.resources.graphql?.limit).toBe(5000);
    });

    it('answers 403 with remaining 0 once the primary limit is spent, until reset', async () => {
      const small = await startGithubSim({ preset: 'small', rateLimit: { rest: 3 } });
      try {
        const c = client(small, small.issueToken('octocat'));
        for (let k = 0; k < 3; k++) expect((await c.get('/user')).status).toBe(200);
        const res = await c.get<{ message: string }>('/user');
        expect(res.status).toBe(403);
        expect(res.headers.get('x-ratelimit-remaining')).toBe('0');
        expect(res.body.message).toMatch(/^API rate limit exceeded for user ID 583231\./);
        expect(Number(res.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);
        expect(small.stats().rateLimit.primaryRejections).toBe(1);
        // Another user has their own bucket.
        expect((await client(small, small.issueToken('monalisa')).get('/user')).status).toBe(200);
      } finally {
        await small.stop();
      }
    });
  });

  describe('commits', () => {
    it('lists commits newest first with Link pagination (sha, per_page, page)', async () => {
      const p1 = await api.get<Commit[]>('/repos/octocat/Hello-World/commits?per_page=100');
      expect(p1.body).toHaveLength(100);
      expect(p1.headers.get('link')).toContain('page=3>; rel="last"');
      const dates = p1.body.map((c) => Date.parse(c.commit.committer?.date as string));
      expect(dates).toEqual([...dates].sort((a, b) => b - a));
      const p3 = await api.get<Commit[]>('/repos/octocat/Hello-World/commits?per_page=100&page=3');
      expect(p3.body).toHaveLength(30);
      expect(p3.body.at(-1)?.parents).toEqual([]);
      expect(p3.body.at(-1)?.commit.message).toBe('Initial commit');
      expect(p1.body[1]!.sha).toBe(p1.body[0]?.parents[0]?.sha);
      const bySha = await api.get<Commit[]>(
        `/repos/octocat/Hello-World/commits?sha=${p1.body[50]!.sha}&per_page=5`,
      );
      expect(bySha.body[0]?.sha).toBe(p1.body[50]!.sha);
    });

    it('filters by since/until (inclusive) and rejects junk dates with 422', async () => {
      const all = (await api.get<Commit[]>('/repos/octocat/Hello-World/commits?per_page=100')).body;
      const until = all[10]!.commit.committer?.date as string;
      const since = all[40]!.commit.committer?.date as string;
      const res = await api.get<Commit[]>(
        `/repos/octocat/Hello-World/commits?per_page=100&since=${since}&until=${until}`,
      );
      expect(res.body[0]?.sha).toBe(all[10]!.sha);
      expect(res.body.at(-1)?.sha).toBe(all[40]!.sha);
      expect(res.body).toHaveLength(31);
      expect((await api.get('/repos/octocat/Hello-World/commits?since=yesterday')).status).toBe(422);
      expect((await api.get('/repos/octocat/Hello-World/commits?sha=no-such-branch')).status).toBe(404);
    });

    it('returns one commit with stats and files', async () => {
      const c = (await api.get<Commit[]>('/repos/octocat/Hello-World/commits?per_page=1')).body[0]!;
      const one = await api.get<Commit>(`/repos/octocat/Hello-World/commits/${c.sha}`);
      expect(one.body.stats?.total).toBe((one.body.stats?.additions ?? 0) + (one.body.stats?.deletions ?? 0));
      expect(one.body.files?.reduce((s, f) => s + f.additions, 0)).toBe(one.body.stats?.additions);
      const byBranch = await api.get<Commit>('/repos/octocat/Hello-World/commits/main');
      expect(byBranch.body.sha).toBe(c.sha);
      expect((await api.get(`/repos/octocat/Hello-World/commits/${'0'.repeat(40)}`)).status).toBe(422);
    });
  });

  describe('pulls, branches, events', () => {
    it('filters pulls by state and orders by created desc by default', async () => {
      const open = (await api.get<Pull[]>('/repos/octocat/Hello-World/pulls')).body;
      expect(open.every((p) => p.state === 'open')).toBe(true);
      const all = (await api.get<Pull[]>('/repos/octocat/Hello-World/pulls?state=all&per_page=100')).body;
      expect(all.some((p) => p.merged_at)).toBe(true);
      const created = all.map((p) => Date.parse(p.created_at));
      expect(created).toEqual([...created].sort((a, b) => b - a));
      const asc = (
        await api.get<Pull[]>(
          '/repos/octocat/Hello-World/pulls?state=closed&sort=updated&direction=asc&per_page=100',
        )
      ).body.map((p) => Date.parse(p.updated_at));
      expect(asc).toEqual([...asc].sort((a, b) => a - b));
      expect((await api.get('/repos/octocat/Hello-World/pulls?state=merged')).status).toBe(422);
    });

    it('lists branches with the protected flag, and filters protected=true', async () => {
      const all = (
        await api.get<components['schemas']['short-branch'][]>('/repos/octocat/Hello-World/branches')
      ).body;
      expect(all.map((b) => b.name)).toContain('main');
      expect(all.find((b) => b.name === 'main')?.protected).toBe(true);
      const prot = (
        await api.get<components['schemas']['short-branch'][]>(
          '/repos/octocat/Hello-World/branches?protected=true',
        )
      ).body;
      expect(prot.every((b) => b.protected)).toBe(true);
      const feature = all.find((b) => b.name.includes('/')) as components['schemas']['short-branch'];
      const one = await api.get<components['schemas']['branch-with-protection']>(
        `/repos/octocat/Hello-World/branches/${feature.name}`,
      );
      expect(one.body.commit.sha).toBe(feature.commit.sha);
    });

    it('serves the repo events feed with X-Poll-Interval', async () => {
      const res = await api.get<components['schemas']['event'][]>(
        '/repos/octocat/Hello-World/events?per_page=5',
      );
      expect(res.headers.get('x-poll-interval')).toBe('60');
      expect(res.body.length).toBeGreaterThan(0);
      expect(res.body[0]).toEqual(
        expect.objectContaining({
          id: expect.any(String),
          type: expect.any(String),
          actor: expect.any(Object),
          created_at: expect.any(String),
        }),
      );
    });

    it('redirects a renamed repo with 301 to /repositories/{id}, which resolves', async () => {
      await control(sim).post('/repos/octocat/Spoon-Knife/rename', { name: 'Spoon-Fork' });
      const res = await api.get<{ message: string; url: string }>('/repos/octocat/Spoon-Knife');
      expect(res.status).toBe(301);
      expect(res.body.message).toBe('Moved Permanently');
      const follow = await api.get<FullRepo>(res.headers.get('location') as string);
      expect(follow.body.full_name).toBe('octocat/Spoon-Fork');
    });
  });

  describe('bad input never yields a 500', () => {
    const paths = [
      '/user/repos?per_page=-1&page=abc',
      '/user/repos?per_page=1e9',
      '/repos/octocat/Hello-World/commits?per_page=abc&page=-3',
      '/repos/octocat/Hello-World/commits?until=2020-13-45',
      '/repos/octocat/Hello-World/pulls/abc',
      '/repos/octocat/Hello-World/pulls/99999',
      '/repos/octocat/Hello-World/hooks/abc',
      '/repos/%00/%2e%2e',
      '/repos/octocat/Hello-World/branches/%E0%A4%A',
      '/orgs/acme-corp/teams/%27%22/memberships/x',
      '/repositories/999999999',
      '/users/' + 'x'.repeat(300),
    ];
    it.each(paths)('GET %s', async (p) => {
      const res = await api.get(p);
      expect(res.status).toBeGreaterThanOrEqual(200);
      expect(res.status).toBeLessThan(500);
    });

    it('rejects malformed hook bodies with 422', async () => {
      for (const body of [
        {},
        { config: 'x' },
        { config: { url: 'ftp://x' } },
        { config: { url: 'http://127.0.0.1:1/x' }, events: ['nope'] },
        { config: { url: 'http://127.0.0.1:1/x', content_type: 'xml' } },
      ]) {
        const res = await api.post('/repos/octocat/Hello-World/hooks', body);
        expect(res.status).toBe(422);
      }
      expect((await api.post('/repos/octocat/Hello-World/hooks', [1, 2])).status).toBe(400);
    });
  });
});
