import { Client } from 'pg';
import { startAuthHarness, withSession, type AuthHarness } from './support/auth-harness';

/** The tracked-repository list and the sync status, read from long histories through their pages. */
describe('GET /api/v1/repos pages and the last-sync figures (real Postgres)', () => {
  let h: AuthHarness;
  let db: Client;
  let session: string;
  let userId: string;
  const names = ['zeta/last', 'Acme/Widgets', 'acme/gears', 'BETA/one', 'beta/Two', 'acme/Zed', 'mid/dle'];

  beforeAll(async () => {
    h = await startAuthHarness();
    db = new Client({ connectionString: h.t.db.url });
    await db.connect();
    ({ session } = await h.signIn('octocat'));
    userId = (await h.http().get('/api/v1/auth/me').set('Cookie', withSession(session))).body.id;
    const host = new URL(h.sim.url).host;
    await db.query(
      `INSERT INTO repositories (github_host, github_id, node_id, owner, name, full_name, html_url)
       SELECT $1, 900000 + n, 'R_' || n, split_part(f, '/', 1), split_part(f, '/', 2), f, 'https://example.test/' || f
         FROM unnest($2::text[]) WITH ORDINALITY AS x(f, n)`,
      [host, names],
    );
    await db.query(
      `INSERT INTO tracked_repos (user_id, repo_id) SELECT $1, id FROM repositories WHERE github_id > 900000`,
      [userId],
    );
    await db.query(
      `INSERT INTO repo_access (user_id, repo_id, permission) SELECT $1, id, 'pull' FROM repositories WHERE github_id > 900000`,
      [userId],
    );
  });
  afterAll(async () => {
    await db.end();
    await h.close();
  });

  const get = (path: string, query: Record<string, string | number> = {}) =>
    h.http().get(path).query(query).set('Cookie', withSession(session));

  async function repoIds(): Promise<Map<string, string>> {
    const { rows } = await db.query<{ id: string; full_name: string }>(
      `SELECT id, full_name FROM repositories WHERE github_id > 900000`,
    );
    return new Map(rows.map((r) => [r.full_name, r.id]));
  }

  it('pages through every tracked repository once, by name in any case, until a page without a cursor', async () => {
    const seen: string[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    do {
      const res: { body: { items: Array<{ fullName: string }>; nextCursor: string | null } } = await get(
        '/api/v1/repos',
        cursor ? { limit: 3, cursor } : { limit: 3 },
      ).expect(200);
      sizes.push(res.body.items.length);
      seen.push(...res.body.items.map((r) => r.fullName));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(sizes).toEqual([3, 3, 1]);
    expect(seen).toEqual(
      [...names].sort((a, b) =>
        a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0,
      ),
    );
  });

  it('shows each entry’s stored times in the API’s ISO form, and null where GitHub gave none', async () => {
    await db.query(
      `UPDATE repositories SET pushed_at = '2026-03-04T05:06:07.891234Z', github_updated_at = NULL
        WHERE full_name = 'acme/gears'`,
    );
    const { rows } = await db.query<{ full_name: string; pushed_at: Date | null; tracked_at: Date }>(
      `SELECT r.full_name, r.pushed_at, t.tracked_at FROM repositories r JOIN tracked_repos t ON t.repo_id = r.id
        WHERE t.user_id = $1`,
      [userId],
    );
    const items = (await get('/api/v1/repos').expect(200)).body.items as Array<{
      fullName: string;
      pushedAt: string | null;
      updatedAt: string | null;
      trackedAt: string;
    }>;
    const shown = new Map(items.map((r) => [r.fullName, r]));
    for (const row of rows) {
      expect([row.full_name, shown.get(row.full_name)?.trackedAt]).toEqual([
        row.full_name,
        row.tracked_at.toISOString(),
      ]);
    }
    expect(shown.get('acme/gears')).toMatchObject({
      pushedAt: '2026-03-04T05:06:07.891Z',
      updatedAt: null,
    });
    expect(shown.get('mid/dle')?.pushedAt).toBeNull();
  });

  it('answers the default page size without a limit', async () => {
    const res = await get('/api/v1/repos').expect(200);
    expect(res.body.items).toHaveLength(names.length);
    expect(res.body.nextCursor).toBeNull();
  });

  it.each([
    ['limit 0', { limit: 0 }],
    ['limit above the maximum', { limit: 101 }],
    ['a limit that is not a number', { limit: 'ten' }],
    ['a malformed cursor', { cursor: 'not a cursor!' }],
    [
      'a cursor of another list',
      { cursor: Buffer.from(JSON.stringify({ s: 'activity:*:*', k: ['a', 'b'] })).toString('base64url') },
    ],
    [
      'a cursor whose id is not a repository id',
      { cursor: Buffer.from(JSON.stringify({ s: 'repos', k: ['a/b', 'x'] })).toString('base64url') },
    ],
  ])('answers 400 to %s', async (_what, query) => {
    const res = await get('/api/v1/repos', query).expect(400);
    expect(res.body).toMatchObject({ statusCode: 400 });
  });

  describe('with a history of sync runs', () => {
    beforeAll(async () => {
      const ids = await repoIds();
      // acme/gears: failures after the last success; Acme/Widgets: a success after failures; beta/Two: only
      // failures; BETA/one: a long run of successes then one still queued; the rest: no run at all.
      const history: Array<[string, string, number]> = [
        ['acme/gears', 'succeeded', 300],
        ['acme/gears', 'succeeded', 200],
        ['acme/gears', 'failed', 100],
        ['acme/gears', 'partial', 50],
        ['Acme/Widgets', 'failed', 300],
        ['Acme/Widgets', 'succeeded', 200],
        ['Acme/Widgets', 'failed', 250],
        ['beta/Two', 'failed', 90],
        ['beta/Two', 'failed', 30],
        ...Array.from({ length: 40 }, (_, i): [string, string, number] => ['BETA/one', 'succeeded', 500 + i]),
        ['BETA/one', 'queued', 1],
      ];
      for (const [name, status, minutesAgo] of history) {
        await db.query(
          `INSERT INTO sync_runs (repo_id, trigger, status, queued_at, started_at, finished_at, error)
           VALUES ($1, 'manual', $2, now() - make_interval(mins => $3), now() - make_interval(mins => $3),
                   CASE WHEN $2 = 'queued' THEN NULL ELSE now() - make_interval(mins => $3) + interval '20 seconds' END,
                   CASE WHEN $2 IN ('failed', 'partial') THEN $2 || ' ' || $3 || ' minutes ago' END)`,
          [ids.get(name), status, minutesAgo],
        );
      }
    });

    it('shows each repository’s newest run status and newest success as read from every raw run', async () => {
      const { rows: expected } = await db.query<{
        full_name: string;
        status: string;
        last_success: Date | null;
      }>(
        `SELECT r.full_name,
                (SELECT s.status FROM sync_runs s WHERE s.repo_id = r.id ORDER BY s.queued_at DESC LIMIT 1) AS status,
                (SELECT max(s.finished_at) FROM sync_runs s WHERE s.repo_id = r.id AND s.status = 'succeeded') AS last_success
           FROM repositories r WHERE r.github_id > 900000`,
      );
      const res = await get('/api/v1/repos', { limit: 100 }).expect(200);
      const listed = new Map(
        res.body.items.map(
          (r: { fullName: string; lastSyncAt: string | null; lastSyncStatus: string | null }) => [
            r.fullName,
            { lastSyncAt: r.lastSyncAt, lastSyncStatus: r.lastSyncStatus },
          ],
        ),
      );
      for (const e of expected) {
        expect([e.full_name, listed.get(e.full_name)]).toEqual([
          e.full_name,
          { lastSyncStatus: e.status, lastSyncAt: e.last_success ? e.last_success.toISOString() : null },
        ]);
      }
      expect(listed.get('acme/gears')).toMatchObject({ lastSyncStatus: 'partial' });
      expect(listed.get('mid/dle')).toEqual({ lastSyncAt: null, lastSyncStatus: null });
    });

    it('reports in /sync/status the last success and the newest failure since it, as read from every raw run', async () => {
      const { rows: expected } = await db.query<{
        full_name: string;
        last_success: Date | null;
        last_error: string | null;
      }>(
        `SELECT r.full_name,
                (SELECT max(s.finished_at) FROM sync_runs s WHERE s.repo_id = r.id AND s.status = 'succeeded') AS last_success,
                (SELECT e.error FROM sync_runs e WHERE e.repo_id = r.id AND e.status IN ('failed', 'partial')
                    AND e.queued_at > COALESCE((SELECT max(queued_at) FROM sync_runs y
                                                WHERE y.repo_id = r.id AND y.status = 'succeeded'), '-infinity')
                  ORDER BY e.queued_at DESC LIMIT 1) AS last_error
           FROM repositories r WHERE r.github_id > 900000`,
      );
      const res = await get('/api/v1/sync/status', { limit: 100 }).expect(200);
      const status = new Map(
        res.body.repos.map(
          (r: { repoFullName: string; lastSuccessAt: string | null; lastError: string | null }) => [
            r.repoFullName,
            { lastSuccessAt: r.lastSuccessAt, lastError: r.lastError },
          ],
        ),
      );
      for (const e of expected) {
        expect([e.full_name, status.get(e.full_name)]).toEqual([
          e.full_name,
          { lastSuccessAt: e.last_success ? e.last_success.toISOString() : null, lastError: e.last_error },
        ]);
      }
      expect(status.get('acme/gears')).toMatchObject({ lastError: 'partial 50 minutes ago' });
      expect(status.get('Acme/Widgets')).toMatchObject({ lastError: null });
      expect(status.get('beta/Two')).toMatchObject({
        lastSuccessAt: null,
        lastError: 'failed 30 minutes ago',
      });
    });
  });
});
