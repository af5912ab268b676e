import { Client } from 'pg';
import { UsersService } from '../src/auth/users.service';
import { GithubEtagCache } from '../src/github/github-etag-cache.service';
import { CSRF, startAuthHarness, withSession, type AuthHarness } from './support/auth-harness';

describe('GET /api/v1/github/repos (GitHub simulator)', () => {
  let h: AuthHarness;
  let db: Client;
  let session: string;
  let userId: string;

  beforeAll(async () => {
    // octocat owns 120 repos and belongs to an org with 120 more: three pages of 100.
    h = await startAuthHarness({
      sim: { sizes: { reposPerOwner: 120, orgs: 1, commitsPerRepo: 5, pullsPerRepo: 1, issuesPerRepo: 0 } },
    });
    db = new Client({ connectionString: h.t.db.url });
    await db.connect();
    ({ session } = await h.signIn('octocat'));
    userId = (await h.http().get('/api/v1/auth/me').set('Cookie', withSession(session))).body.id;
  });
  afterAll(async () => {
    await db.end();
    await h.close();
  });

  // Asks GitHub on every request unless told otherwise: most cases here are about what GitHub answers.
  const list = (query: Record<string, string> = {}, cookie = session) =>
    h
      .http()
      .get('/api/v1/github/repos')
      .query({ refresh: 'true', ...query })
      .set('Cookie', withSession(cookie));

  type Listed = { githubId: number; fullName: string; stars: number; tracked: boolean; visibility: string };
  /** Every page, following nextCursor as the dashboard does. */
  async function listAll(cookie = session): Promise<{ items: Listed[]; pages: number }> {
    const items: Listed[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: { body: { items: Listed[]; nextCursor: string | null } } = await list(
        cursor ? { cursor } : {},
        cookie,
      ).expect(200);
      items.push(...res.body.items);
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor && pages < 20);
    return { items, pages };
  }

  async function coreRemaining(): Promise<number> {
    const token = await h.t.app.get(UsersService).githubToken(userId);
    const res = await fetch(`${h.sim.apiUrl}/rate_limit`, { headers: { authorization: `token ${token}` } });
    return ((await res.json()) as { resources: { core: { remaining: number } } }).resources.core.remaining;
  }

  it('returns every accessible repository across all pages, with the fields the dashboard shows', async () => {
    const octocat = h.sim.world.user('octocat')!;
    const expected = [...h.sim.world.repos.values()].filter(
      (r) => !r.deleted && h.sim.world.affiliationOf(r, octocat.id),
    );
    expect(expected.length).toBeGreaterThan(200);

    const { items, pages } = await listAll();
    expect(pages).toBe(Math.ceil(expected.length / 100));
    expect(items).toHaveLength(expected.length);
    expect(new Set(items.map((r) => r.githubId))).toEqual(new Set(expected.map((r) => r.id)));

    const hello = items.find((r) => r.fullName === 'octocat/Hello-World') as Record<string, unknown>;
    expect(hello).toEqual({
      githubId: expect.any(Number),
      nodeId: expect.any(String),
      owner: 'octocat',
      name: 'Hello-World',
      fullName: 'octocat/Hello-World',
      description: hello.description,
      language: hello.language,
      visibility: 'public',
      defaultBranch: expect.any(String),
      stars: expect.any(Number),
      forks: expect.any(Number),
      watchers: expect.any(Number),
      openIssues: expect.any(Number),
      pushedAt: expect.stringMatching(/^\d{4}-/),
      updatedAt: expect.stringMatching(/^\d{4}-/),
      permission: 'admin',
      tracked: false,
    });
    expect([hello.description, hello.language].every((v) => v === null || typeof v === 'string')).toBe(true);
    const priv = items.find((r) => r.visibility === 'private');
    expect(priv).toBeDefined();
  });

  it('costs no rate limit when nothing changed (conditional requests with stored ETags), and refetches what changed', async () => {
    await listAll();
    const before = await coreRemaining();
    const notModifiedBefore = h.sim.stats().rest.notModified;
    const again = await listAll();
    expect(await coreRemaining()).toBe(before);
    expect(h.sim.stats().rest.notModified - notModifiedBefore).toBe(3);

    await h.sim.world.star({ owner: 'octocat', repo: 'Hello-World', login: 'hubot' });
    const changed = await listAll();
    const stars = (listed: Listed[]) => listed.find((r) => r.fullName === 'octocat/Hello-World')!.stars;
    expect(stars(changed.items)).toBe(stars(again.items) + 1);
    expect(await coreRemaining()).toBe(before - 1); // only the page that changed was paid for
  });

  it('reuses a page GitHub fetched within its Cache-Control max-age without asking again, unless refresh=true', async () => {
    const first = await list().expect(200);
    // A public repository on the first page, starred by hubot before the page is stored.
    const shown = (first.body as { items: Listed[] }).items.find((r) => r.visibility === 'public')!;
    const [owner, repo] = shown.fullName.split('/') as [string, string];
    const hubot = { owner, repo, login: 'hubot' };
    if (await h.sim.world.star(hubot)) await list().expect(200);
    const requests = () => h.sim.stats().rest.requests;
    const before = requests();
    const reused = await list({ refresh: 'false' }).expect(200);
    expect(requests()).toBe(before);

    await h.sim.world.unstar(hubot);
    const stars = (res: { body: { items: Listed[] } }) =>
      res.body.items.find((r) => r.fullName === shown.fullName)?.stars;
    expect(stars(await list({ refresh: 'false' }).expect(200))).toBe(stars(reused));
    expect(requests()).toBe(before);
    expect(stars(await list().expect(200))).toBe((stars(reused) ?? 0) - 1);
    expect(requests()).toBe(before + 1);

    // Another replica (no copy in its memory) once GitHub's max-age has passed: it asks again.
    (h.t.app.get(GithubEtagCache) as unknown as { freshCopies: Map<string, unknown> }).freshCopies.clear();
    await db.query(`UPDATE github_etags SET fresh_until = now() - interval '1 second' WHERE user_id = $1`, [
      userId,
    ]);
    await list({ refresh: 'false' }).expect(200);
    expect(requests()).toBe(before + 2);
    await list({ refresh: 'maybe' }).expect(400);
    await h.sim.world.star(hubot);
  });

  it('marks the repositories the user tracks', async () => {
    await h
      .http()
      .post('/api/v1/repos/octocat/Hello-World/track')
      .set('Cookie', withSession(session))
      .set(CSRF)
      .expect(201);
    const { items } = await listAll();
    expect(items.filter((r) => r.tracked).map((r) => r.fullName)).toEqual(['octocat/Hello-World']);
  });

  it('answers one GitHub page per request, with a cursor to the next and none after the last', async () => {
    const requests = h.sim.stats().rest.requests;
    const first = await list().expect(200);
    expect(first.body.items).toHaveLength(100);
    expect(h.sim.stats().rest.requests - requests).toBe(1);
    const second = await list({ cursor: first.body.nextCursor }).expect(200);
    expect(second.body.items).toHaveLength(100);
    const firstIds = new Set(first.body.items.map((r: Listed) => r.githubId));
    expect(second.body.items.some((r: Listed) => firstIds.has(r.githubId))).toBe(false);
    const third = await list({ cursor: second.body.nextCursor }).expect(200);
    expect(third.body.items.length).toBeGreaterThan(0);
    expect(third.body.nextCursor).toBeNull();
  });

  it('answers 400 to a cursor that is malformed, out of range or from another list, without asking GitHub', async () => {
    const requests = h.sim.stats().rest.requests;
    const foreign = (scope: string, key: unknown[]) =>
      Buffer.from(JSON.stringify({ s: scope, k: key })).toString('base64url');
    for (const cursor of [
      'not a cursor!',
      foreign('github-repos', ['2']),
      foreign('github-repos', [1]),
      foreign('github-repos', [101]),
      foreign('repos', [2]),
    ]) {
      const res = await list({ cursor }).expect(400);
      expect(res.body).toMatchObject({ statusCode: 400, message: expect.stringContaining('cursor') });
    }
    expect(h.sim.stats().rest.requests).toBe(requests);
  });

  it('keeps ETags per user: another user never gets this user’s cached list', async () => {
    const other = await h.signIn('hubot');
    const { items } = await listAll(other.session);
    const hubot = h.sim.world.user('hubot')!;
    const expected = [...h.sim.world.repos.values()].filter(
      (r) => !r.deleted && h.sim.world.affiliationOf(r, hubot.id),
    );
    expect(items).toHaveLength(expected.length);
  });

  it('retries a GitHub server error once and answers 502 when it persists', async () => {
    await db.query('DELETE FROM github_etags');
    h.sim.setFaults({ failNext: 1 });
    await list().expect(200);
    h.sim.setFaults({ failNext: 10 });
    try {
      const res = await list().expect(502);
      expect(res.body).toMatchObject({ statusCode: 502, error: 'Bad Gateway' });
    } finally {
      h.sim.setFaults({});
    }
  });

  it('flags the user and answers 401 github_reauth_required when GitHub rejects the token; signing in again clears it', async () => {
    const token = await h.t.app.get(UsersService).githubToken(userId);
    h.sim.world.revokeToken(token!);
    const res = await list().expect(401);
    expect(res.body).toEqual({
      statusCode: 401,
      error: 'Unauthorized',
      message: expect.any(String),
      code: 'github_reauth_required',
    });
    expect(
      (await db.query('SELECT reauth_required FROM users WHERE id = $1', [userId])).rows[0].reauth_required,
    ).toBe(true);

    // The session itself still works, and no further request reaches GitHub while flagged.
    await h.http().get('/api/v1/auth/me').set('Cookie', withSession(session)).expect(200);
    const requests = h.sim.stats().rest.requests;
    await list().expect(401);
    expect(h.sim.stats().rest.requests).toBe(requests);

    ({ session } = await h.signIn('octocat'));
    await list().expect(200);
    expect(
      (await db.query('SELECT reauth_required FROM users WHERE id = $1', [userId])).rows[0].reauth_required,
    ).toBe(false);
  });

  it('counts the GitHub requests it makes in /metrics', async () => {
    const metricValue = async () => {
      const text = await (await h.http().get('/metrics')).text;
      return [...text.matchAll(/^trackeep_github_requests_total\{[^}]*\} (\d+)/gm)].reduce(
        (sum, m) => sum + Number(m[1]),
        0,
      );
    };
    await db.query('DELETE FROM github_etags');
    const before = await metricValue();
    const simBefore = h.sim.stats().rest.requests;
    await list().expect(200);
    const made = h.sim.stats().rest.requests - simBefore;
    expect(made).toBeGreaterThan(0);
    expect((await metricValue()) - before).toBe(made);
  });

  it('answers 429 rate_limited when the primary limit is exhausted (never waits an hour in a request; runs last: the limit stays exhausted)', async () => {
    await db.query('DELETE FROM github_etags');
    h.sim.setFaults({ exhaustPrimary: 'rest' });
    try {
      const res = await list().expect(429);
      expect(res.body).toMatchObject({ statusCode: 429, code: 'rate_limited' });
    } finally {
      h.sim.setFaults({});
    }
  });
});
