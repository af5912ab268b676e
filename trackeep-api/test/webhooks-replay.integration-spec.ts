import { CSRF_HEADER } from '@trackeep/contracts';
import { createTestDatabase, type TestDatabase } from '@trackeep/testing';
import { randomUUID } from 'node:crypto';
import { API_TEMPLATE_DB } from './support/test-app';
import {
  Db,
  httpRequest,
  postWebhook,
  pushPayload,
  seedHook,
  seedTrackedRepo,
  seedUser,
  sessionCookie,
  startApi,
  storedBody,
  waitFor,
  waitForInboxIdle,
  type RunningApi,
  type SeededRepo,
} from './webhooks-support';

describe('POST /api/v1/webhooks/deliveries/{id}/replay', () => {
  let database: TestDatabase;
  let api: RunningApi;
  let db: Db;
  let admin: string;
  let adminCookie: string;
  /** Tracked, with a hook of its own. */
  let hooked: SeededRepo;
  /** Tracked; deliveries about it are forged with hooked's secret. */
  let target: SeededRepo;

  beforeAll(async () => {
    database = await createTestDatabase(API_TEMPLATE_DB);
    api = await startApi(database.url);
    db = await Db.connect(database.url);
    admin = await seedUser(db, api.app, { login: 'octo-admin' });
    adminCookie = await sessionCookie(api.app, admin);
    hooked = await seedTrackedRepo(db, api.app, admin, {
      githubId: 8101,
      fullName: 'octo/hooked',
      permission: 'admin',
    });
    target = await seedTrackedRepo(db, api.app, admin, {
      githubId: 8102,
      fullName: 'octo/target',
      permission: 'admin',
    });
    await seedHook(db, api.app, hooked.id, 91001, 'hooked-repo-secret-0123456789');
  });
  afterAll(async () => {
    await db.end();
    await api.close();
    await database.drop();
  });

  const replay = (id: string, cookie = adminCookie) =>
    httpRequest(`${api.url}/api/v1/webhooks/deliveries/${id}/replay`, {
      method: 'POST',
      headers: { cookie, [CSRF_HEADER]: '1' },
    });
  const row = (id: string) =>
    db.one<{ status: string; applied_count: number; replays: number; ignored_reason: string | null }>(
      'SELECT status, applied_count, replays, ignored_reason FROM webhook_deliveries WHERE delivery_id = $1',
      [id],
    );
  const timeline = async (repoId: string) =>
    (
      await db.one<{ n: number }>('SELECT count(*)::int AS n FROM activity_events WHERE repo_id = $1', [
        repoId,
      ])
    ).n;

  it("refuses to replay a delivery stored as ignored because another repository's hook signed it", async () => {
    const payload = pushPayload(target); // about target, signed with hooked's secret
    const res = await postWebhook(api.url, {
      event: 'push',
      payload,
      hookId: 91001,
      secret: 'hooked-repo-secret-0123456789',
    });
    expect(res.status).toBe(202);
    const id = res.json()['deliveryId'] as string;
    expect(await row(id)).toMatchObject({
      status: 'ignored',
      ignored_reason: 'signed by the hook of another repository',
    });
    const before = await timeline(target.id);

    const refused = await replay(id);
    expect(refused.status).toBe(422);
    expect(refused.json()['message']).toMatch(/signed by the hook of another repository/);

    await waitForInboxIdle(db);
    expect(await row(id)).toMatchObject({ status: 'ignored', applied_count: 0, replays: 0 });
    expect(await timeline(target.id)).toBe(before);
    expect(
      await db.rows('SELECT 1 FROM activity_events WHERE dedupe_key = $1', [
        `push:${payload['after'] as string}`,
      ]),
    ).toHaveLength(0);
  });

  it('never applies a processed delivery twice: its replay is refused with 409 and nothing changes', async () => {
    await db.rows('UPDATE repositories SET stars = 10 WHERE id = $1', [target.id]);
    const starred = {
      action: 'created',
      starred_at: new Date().toISOString(),
      repository: {
        id: target.githubId,
        full_name: target.fullName,
        stargazers_count: 11,
        updated_at: new Date().toISOString(),
      },
      sender: { login: 'fan' },
    };
    const push = await postWebhook(api.url, { event: 'push', payload: pushPayload(target) });
    const star = await postWebhook(api.url, { event: 'star', payload: starred });
    const ids = [push.json()['deliveryId'] as string, star.json()['deliveryId'] as string];
    await waitFor('both processed', async () =>
      (await Promise.all(ids.map(row))).every((r) => r.status === 'processed'),
    );
    const events = await timeline(target.id);
    const stars = await db.one('SELECT stars FROM repositories WHERE id = $1', [target.id]);

    for (const id of ids) {
      const res = await replay(id);
      expect(res.status).toBe(409);
      expect(res.json()['message']).toMatch(/already applied/);
    }

    await waitForInboxIdle(db);
    for (const id of ids)
      expect(await row(id)).toMatchObject({ status: 'processed', applied_count: 1, replays: 0 });
    expect(await timeline(target.id)).toBe(events);
    expect(await db.one('SELECT stars FROM repositories WHERE id = $1', [target.id])).toEqual(stars);
  });

  it('lets only people with admin permission replay: 403 for a reader with push permission, 404 for a stranger', async () => {
    const writer = await seedUser(db, api.app, { login: 'octo-writer' });
    await seedTrackedRepo(db, api.app, writer, {
      githubId: target.githubId,
      fullName: target.fullName,
      permission: 'push',
    });
    const stranger = await seedUser(db, api.app, { login: 'octo-stranger' });
    const id = await parkedAsFailed(target);

    const byWriter = await replay(id, await sessionCookie(api.app, writer));
    expect(byWriter.status).toBe(403);
    expect(byWriter.json()['message']).toMatch(/admin permission on octo\/target/);
    const byStranger = await replay(id, await sessionCookie(api.app, stranger));
    expect(byStranger.status).toBe(404);
    expect(await row(id)).toMatchObject({ status: 'failed', replays: 0 });

    const byAdmin = await replay(id);
    expect(byAdmin.status).toBe(202);
    expect(byAdmin.json()).toMatchObject({ id, status: 'pending' });
    await waitFor('the replay', async () => (await row(id)).status === 'processed');
    expect(await row(id)).toMatchObject({ applied_count: 1, replays: 1 });
  });

  it('verifies the stored bytes against the secrets configured now: a delivery whose hook secret was rotated away is refused', async () => {
    const id = await parkedAsFailed(hooked, { hookId: 91001, secret: 'hooked-repo-secret-0123456789' });
    await seedHook(db, api.app, hooked.id, 91001, 'hooked-repo-secret-rotated-987654');

    const res = await replay(id);
    expect(res.status).toBe(422);
    expect(res.json()['message']).toMatch(/no longer verifies/);
    expect(await row(id)).toMatchObject({ status: 'failed', replays: 0 });
  });

  it('answers 409 when the same delivery is replayed twice at once: it is queued and applied once', async () => {
    const id = await parkedAsFailed(target);
    const results = await Promise.all([replay(id), replay(id), replay(id)]);
    expect(results.map((r) => r.status).sort()).toEqual([202, 409, 409]);
    await waitFor('the replay', async () => (await row(id)).status === 'processed');
    expect(await row(id)).toMatchObject({ applied_count: 1, replays: 1 });
  });

  it('replays and applies a delivery stored before bodies were compressed, verified over the same bytes', async () => {
    const id = await parkedAsFailed(target);
    const kept = await storedBody(db, id);
    expect(kept.encoding).toBe('brotli');
    // As the version before kept it: the body itself.
    await db.rows(
      `UPDATE webhook_deliveries SET body = $2, body_encoding = 'identity' WHERE delivery_id = $1`,
      [id, kept.body],
    );
    expect((await replay(id)).status).toBe(202);
    await waitFor('the replay', async () => (await row(id)).status === 'processed');
    expect(await row(id)).toMatchObject({ applied_count: 1, replays: 1 });
  });

  /**
   * A delivery that failed before it was applied: stored as GitHub sent it, then (as after the retries ran out)
   * marked failed without having been applied. Workers are kept off it by storing it as failed directly.
   */
  async function parkedAsFailed(
    repo: SeededRepo,
    signing: { hookId?: number; secret?: string } = {},
  ): Promise<string> {
    const id = randomUUID();
    // Not tracked at delivery time, so processing ignores it without applying anything.
    const tracked = await db.rows<{ user_id: string }>(
      'DELETE FROM tracked_repos WHERE repo_id = $1 RETURNING user_id',
      [repo.id],
    );
    const res = await postWebhook(api.url, { event: 'push', payload: pushPayload(repo), id, ...signing });
    expect(res.status).toBe(202);
    await waitFor('processed as untracked', async () => (await row(id)).status === 'ignored');
    for (const t of tracked)
      await db.rows('INSERT INTO tracked_repos (user_id, repo_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
        t.user_id,
        repo.id,
      ]);
    await db.rows(
      `UPDATE webhook_deliveries SET status = 'failed', ignored_reason = NULL, last_error = 'simulated failure' WHERE delivery_id = $1`,
      [id],
    );
    return id;
  }
});
