import { CSRF_HEADER } from '@trackeep/contracts';
import { createTestDatabase, type TestDatabase } from '@trackeep/testing';
import { API_TEMPLATE_DB } from './support/test-app';
import {
  Db,
  httpRequest,
  postWebhook,
  pullRequestPayload,
  pushPayload,
  seedTrackedRepo,
  seedUser,
  sessionCookie,
  startApi,
  storedBody,
  waitFor,
  type RunningApi,
  type SeededRepo,
} from './webhooks-support';

/** Valid JSON that PostgreSQL's jsonb refuses or cannot nest: accepted and kept byte-exact; applied when it can be, else parked with the reason. */
describe('lossless webhook intake', () => {
  let database: TestDatabase;
  let api: RunningApi;
  let db: Db;
  let repo: SeededRepo;
  let cookie: string;

  beforeAll(async () => {
    database = await createTestDatabase(API_TEMPLATE_DB);
    api = await startApi(database.url);
    db = await Db.connect(database.url);
    const userId = await seedUser(db, api.app, { login: 'monalisa' });
    repo = await seedTrackedRepo(db, api.app, userId, { githubId: 9301, fullName: 'octo/lossless' });
    cookie = await sessionCookie(api.app, userId);
  });
  afterAll(async () => {
    await db.end();
    await api.close();
    await database.drop();
  });

  /** A push whose head commit message is `message` (raw JSON text, inserted as is). */
  const pushWithMessage = (rawMessage: string) => {
    const payload = pushPayload(repo);
    const marker = '"__message__"';
    (payload['head_commit'] as Record<string, unknown>)['message'] = '__message__';
    return JSON.stringify(payload).replace(marker, rawMessage);
  };
  /** The delivery's row once processing is over. */
  const settled = (id: string) =>
    waitFor('the delivery to be processed or parked', async () => {
      const row = await db.one<{ status: string; last_error: string | null; applied_count: number }>(
        'SELECT status, last_error, applied_count FROM webhook_deliveries WHERE delivery_id = $1',
        [id],
      );
      return row.status === 'pending' || row.status === 'processing' ? null : row;
    });
  const deepBody = (depth: number) => {
    const payload = { ...pushPayload(repo), extra: '__deep__' };
    return JSON.stringify(payload).replace('"__deep__"', `${'['.repeat(depth)}${']'.repeat(depth)}`);
  };

  it('100,000-deep arrays: 202, stored byte-exact, parked with the reason, listed with it', async () => {
    const body = deepBody(100_000);
    expect(() => JSON.parse(body)).not.toThrow(); // valid JSON
    const res = await postWebhook(api.url, { event: 'push', payload: null, body });
    expect(res.status).toBe(202);
    const id = res.json()['deliveryId'] as string;

    const stored = await storedBody(db, id);
    expect(Buffer.compare(stored.body, Buffer.from(body, 'utf8'))).toBe(0);
    // 200 KB of brackets are kept compressed, in a few hundred bytes.
    expect(stored).toMatchObject({ encoding: 'brotli', storedBytes: expect.any(Number) });
    expect(stored.storedBytes).toBeLessThan(body.length / 100);

    const parked = await settled(id);
    expect(parked).toMatchObject({
      status: 'parked',
      applied_count: 0,
      last_error: expect.stringMatching(/nests 100001 levels deep/),
    });

    // The webhook health page lists it with the reason.
    const list = await httpRequest(
      `${api.url}/api/v1/webhooks/deliveries?status=parked&repo=${repo.fullName}`,
      {
        headers: { cookie },
      },
    );
    expect(list.status).toBe(200);
    const items = (list.json() as { items: Array<Record<string, unknown>> }).items;
    expect(items).toContainEqual(
      expect.objectContaining({
        id,
        status: 'parked',
        lastError: expect.stringMatching(/nests 100001 levels deep/),
      }),
    );
  });

  // jsonb refuses these, so before the raw body was kept they were answered 503 and lost.
  it.each([
    ['a lone UTF-16 surrogate (\\ud800)', '"fix: \\ud800 broken"', 'fix: \ud800 broken'],
    ['a reversed surrogate pair', '"odd \\udc00\\ud800 pair"', 'odd \udc00\ud800 pair'],
    ['a NUL character (\\u0000)', '"nul \\u0000 here"', 'nul \u0000 here'],
  ])(
    '%s: 202, stored byte-exact, applied, and read back exactly as sent',
    async (_name, rawMessage, message) => {
      const body = pushWithMessage(rawMessage);
      expect(JSON.parse(body)).toMatchObject({ commits: [{ message }] });
      const res = await postWebhook(api.url, { event: 'push', payload: null, body });
      expect(res.status).toBe(202);
      const id = res.json()['deliveryId'] as string;

      const stored = await storedBody(db, id);
      expect(Buffer.compare(stored.body, Buffer.from(body, 'utf8'))).toBe(0);
      expect(await settled(id)).toMatchObject({ status: 'processed', applied_count: 1 });

      const sha = (JSON.parse(body) as { commits: Array<{ id: string }> }).commits[0]!.id;
      const commits = await httpRequest(`${api.url}/api/v1/repos/${repo.fullName}/commits?limit=100`, {
        headers: { cookie },
      });
      expect(commits.status).toBe(200);
      const items = (commits.json() as { items: Array<{ sha: string; message: string }> }).items;
      expect(items.find((c) => c.sha === sha)?.message).toBe(message);
    },
  );

  it('stores an emoji (a valid surrogate pair) and applies it as usual', async () => {
    const body = pushWithMessage('"ship it \\ud83d\\ude80"');
    const res = await postWebhook(api.url, { event: 'push', payload: null, body });
    expect(res.status).toBe(202);
    const id = res.json()['deliveryId'] as string;
    await waitFor(
      'processed',
      async () =>
        (
          await db.one<{ status: string }>('SELECT status FROM webhook_deliveries WHERE delivery_id = $1', [
            id,
          ])
        ).status === 'processed',
    );
  });

  it('keeps the body byte-exact even when it is not what JSON.stringify would produce (spacing, escapes, key order)', async () => {
    const body = `{ "zen" : "Design for failure.\\u002e" ,\n  "repository": {"full_name":"${repo.fullName}","id":${repo.githubId}}, "hook_id": 5 }`;
    const res = await postWebhook(api.url, { event: 'ping', payload: null, body });
    expect(res.status).toBe(202);
    const stored = await storedBody(db, res.json()['deliveryId'] as string);
    expect(stored.body.toString('utf8')).toBe(body);
  });

  it('parks at once, without retries, a delivery whose writes fail with a PostgreSQL data error', async () => {
    // A data error (class 22) raised by the database for this one title: retrying could never succeed.
    await db.rows(`
      CREATE FUNCTION test_refuse_title() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.title = 'unstorable' THEN RAISE EXCEPTION 'test: value cannot be stored' USING ERRCODE = '22023'; END IF;
        RETURN NEW;
      END $$`);
    await db.rows(
      'CREATE TRIGGER test_refuse_title BEFORE INSERT OR UPDATE ON pull_requests FOR EACH ROW EXECUTE FUNCTION test_refuse_title()',
    );
    try {
      const res = await postWebhook(api.url, {
        event: 'pull_request',
        payload: pullRequestPayload(repo, {
          number: 5,
          action: 'opened',
          title: 'unstorable',
          updatedAt: new Date(),
        }),
      });
      expect(res.status).toBe(202);
      const id = res.json()['deliveryId'] as string;
      const row = await waitFor('parked', async () => {
        const r = await db.one<{ status: string; attempts: number; last_error: string | null }>(
          'SELECT status, attempts, last_error FROM webhook_deliveries WHERE delivery_id = $1',
          [id],
        );
        return r.status === 'pending' ? null : r;
      });
      expect(row).toEqual({
        status: 'parked',
        attempts: 1,
        last_error: expect.stringMatching(/22023: test: value cannot be stored.*not applied/),
      });
    } finally {
      await db.rows('DROP TRIGGER test_refuse_title ON pull_requests');
      await db.rows('DROP FUNCTION test_refuse_title()');
    }
  });

  it('refuses to replay a parked delivery while it still cannot be applied (422), and never answers 5xx', async () => {
    const res = await postWebhook(api.url, {
      event: 'push',
      payload: null,
      body: deepBody(1_000),
    });
    const id = res.json()['deliveryId'] as string;
    await waitFor(
      'parked',
      async () =>
        (
          await db.one<{ status: string }>('SELECT status FROM webhook_deliveries WHERE delivery_id = $1', [
            id,
          ])
        ).status === 'parked',
    );
    const replay = await httpRequest(`${api.url}/api/v1/webhooks/deliveries/${id}/replay`, {
      method: 'POST',
      headers: { cookie, [CSRF_HEADER]: '1' },
    });
    expect(replay.status).toBe(422);
    expect(replay.json()['message']).toMatch(/nests 1001 levels deep/);
  });
});
