import { Client } from 'pg';
import {
  CSRF,
  makeOctocatRepoPrivate,
  startAuthHarness,
  withSession,
  type AuthHarness,
} from './support/auth-harness';
import { seedActivity, type SeedActivity } from './support/seed-repo-data';

type Item = {
  id: string;
  repoFullName: string;
  type: string;
  occurredAt: string;
  title: string;
  data: { seq: number };
};

describe('GET /api/v1/activity (the timeline)', () => {
  let h: AuthHarness;
  let db: Client;
  let alice: string;
  let bob: string;
  let privateName: string;
  /** Seeded events of octocat/Hello-World, in insertion (id) order. */
  const publicEvents: SeedActivity[] = [
    // Inserted newest first and then older ones, as a backfill after live webhooks would: id order ≠ time order.
    { type: 'push', occurredAt: '2024-05-10T10:00:00Z' },
    { type: 'pr_merged', occurredAt: '2024-05-09T10:00:00Z' },
    // Three events at the same instant (keyset ties), one with microseconds just after.
    { type: 'push', occurredAt: '2024-05-01T12:00:00Z' },
    { type: 'pr_opened', occurredAt: '2024-05-01T12:00:00Z' },
    { type: 'push', occurredAt: '2024-05-01T12:00:00Z' },
    { type: 'branch_created', occurredAt: '2024-05-01T12:00:00.000001Z' },
    ...Array.from({ length: 8 }, (_, i): SeedActivity => ({
      type: i % 2 ? 'push' : 'pr_closed',
      occurredAt: `2024-04-${String(10 + i).padStart(2, '0')}T00:00:00Z`,
    })),
  ];
  const privateEvents: SeedActivity[] = [
    { type: 'push', occurredAt: '2024-05-05T00:00:00Z', title: 'secret push' },
    { type: 'release', occurredAt: '2024-03-01T00:00:00Z', title: 'secret release' },
  ];

  beforeAll(async () => {
    h = await startAuthHarness({ sim: { sizes: { reposPerOwner: 3, commitsPerRepo: 2 } } });
    db = new Client({ connectionString: h.t.db.url });
    await db.connect();
    privateName = await makeOctocatRepoPrivate(h.sim);
    ({ session: alice } = await h.signIn('octocat'));
    ({ session: bob } = await h.signIn('hubot'));
    const track = async (session: string, name: string) =>
      (
        await h
          .http()
          .post(`/api/v1/repos/octocat/${name}/track`)
          .set('Cookie', withSession(session))
          .set(CSRF)
          .expect(201)
      ).body.id as string;
    const publicId = await track(alice, 'Hello-World');
    await track(bob, 'Hello-World');
    const privateId = await track(alice, privateName);
    await seedActivity(db, publicId, publicEvents);
    await seedActivity(db, privateId, privateEvents);
  });
  afterAll(async () => {
    await db.end();
    await h.close();
  });

  const get = (session: string, query: Record<string, string | number> = {}) =>
    h.http().get('/api/v1/activity').query(query).set('Cookie', withSession(session));

  async function allPages(session: string, query: Record<string, string | number>): Promise<Item[]> {
    const items: Item[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 50; i++) {
      const body: { items: Item[]; nextCursor: string | null } = (
        await get(session, cursor ? { ...query, cursor } : query).expect(200)
      ).body;
      items.push(...body.items);
      cursor = body.nextCursor;
      if (!cursor) break;
    }
    return items;
  }

  /** What the timeline should show: newest first by time, the later-inserted first among equal times. */
  function expected(events: Array<SeedActivity & { repo: string }>) {
    return events
      .map((e, i) => ({ ...e, i }))
      .sort((a, b) => micros(b.occurredAt) - micros(a.occurredAt) || b.i - a.i)
      .map((e) => `${e.repo}#${e.type}@${new Date(e.occurredAt).toISOString()}`);
  }
  /** Microseconds since the epoch (Date keeps only milliseconds; Postgres and the cursors keep microseconds). */
  const micros = (iso: string) =>
    Date.parse(iso) * 1000 + Number((/\.\d{3}(\d{1,3})/.exec(iso)?.[1] ?? '').padEnd(3, '0'));
  const label = (item: Item) => `${item.repoFullName}#${item.type}@${item.occurredAt}`;

  it('pages newest first through every readable event exactly once, ties and microseconds included', async () => {
    const first = await get(alice, { limit: 3 }).expect(200);
    expect(first.body.items).toHaveLength(3);
    expect(first.body.items[0]).toEqual({
      id: expect.stringMatching(/^\d+$/),
      repoId: expect.any(String),
      repoFullName: 'octocat/Hello-World',
      type: 'push',
      actor: 'octocat',
      title: 'push 0',
      url: null,
      occurredAt: '2024-05-10T10:00:00.000Z',
      data: { seq: 0 },
    });
    const all = await allPages(alice, { limit: 3 });
    const everything = [
      ...publicEvents.map((e) => ({ ...e, repo: 'octocat/Hello-World' })),
      ...privateEvents.map((e) => ({ ...e, repo: `octocat/${privateName}` })),
    ];
    // Ids are unique per table, so insertion order across both repos is public first, then private.
    expect(all.map(label)).toEqual(expected(everything));
    expect(new Set(all.map((e) => e.id)).size).toBe(all.length);
  });

  it('filters by repository and by type, and combines both', async () => {
    const onlyPrivate = await allPages(alice, { repo: `octocat/${privateName}`, limit: 5 });
    expect(onlyPrivate.map((e) => e.title)).toEqual(['secret push', 'secret release']);
    const pushes = await allPages(alice, { type: 'push', limit: 2 });
    expect(pushes.length).toBe(publicEvents.filter((e) => e.type === 'push').length + 1);
    expect(pushes.every((e) => e.type === 'push')).toBe(true);
    const publicPushes = await allPages(alice, { repo: 'OCTOCAT/hello-world', type: 'push', limit: 2 });
    expect(publicPushes.map(label)).toEqual(
      expected(
        publicEvents.filter((e) => e.type === 'push').map((e) => ({ ...e, repo: 'octocat/Hello-World' })),
      ),
    );
  });

  it("shows another user only the repositories they may read, and 404s the others' repositories", async () => {
    const seen = await allPages(bob, { limit: 50 });
    expect(seen).toHaveLength(publicEvents.length);
    expect(seen.some((e) => e.title.startsWith('secret'))).toBe(false);
    const res = await get(bob, { repo: `octocat/${privateName}` }).expect(404);
    expect(res.body).toMatchObject({ code: 'repo_not_found' });
    expect(JSON.stringify(res.body)).not.toContain('secret');
  });

  it('answers an empty page for a user who tracks nothing', async () => {
    const { session } = await h.signIn('monalisa');
    const res = await get(session).expect(200);
    expect(res.body).toEqual({ items: [], nextCursor: null });
  });

  it('rejects bad input with 400 and a clear message', async () => {
    const bad = async (query: Record<string, string | number>, message: RegExp) => {
      const res = await get(alice, query).expect(400);
      expect(JSON.stringify(res.body.message)).toMatch(message);
    };
    await bad({ type: 'deploy' }, /type must be one of: push, pr_opened/);
    await bad({ repo: 'no-slash' }, /repo must be owner\/name/);
    await bad({ repo: 'octocat/..' }, /repo must be owner\/name/);
    await bad({ limit: 0 }, /limit/);
    await bad({ limit: 10_000 }, /limit/);
    await bad({ cursor: '!!!' }, /cursor is malformed/);
    const { nextCursor } = (await get(alice, { limit: 1, type: 'push' }).expect(200)).body;
    await bad({ cursor: nextCursor }, /cursor belongs to another list/);
    const forged = Buffer.from(
      JSON.stringify({ s: 'activity:*:*', k: ['2024-01-01T00:00:00Z', '1; DROP TABLE users'] }),
    ).toString('base64url');
    await bad({ cursor: forged }, /cursor is malformed/);
  });

  it('requires a session', async () => {
    const res = await h.http().get('/api/v1/activity').expect(401);
    expect(res.body.code).toBeDefined();
  });
});
