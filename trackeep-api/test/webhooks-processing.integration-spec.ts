import { CSRF_HEADER } from '@trackeep/contracts';
import { createTestDatabase, type TestDatabase } from '@trackeep/testing';
import { randomUUID } from 'node:crypto';
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
  waitFor,
  waitForInboxIdle,
  type RunningApi,
  type SeededRepo,
} from './webhooks-support';
import { Kysely } from 'kysely';
import PgBoss from 'pg-boss';
import type { DB } from '../src/database/db.types';
import { GithubSettings } from '../src/github/github-settings';
import { SyncStore } from '../src/sync/engine/sync-store.repository';
import { DeliveryInboxRepository } from '../src/webhooks/delivery-inbox.repository';
import { WebhookProcessorService } from '../src/webhooks/webhook-processor.service';
import { sample } from './support/prometheus';

describe('webhook processing', () => {
  let database: TestDatabase;
  let api: RunningApi;
  let db: Db;
  let repo: SeededRepo;
  let userId: string;
  let cookie: string;

  beforeAll(async () => {
    database = await createTestDatabase(API_TEMPLATE_DB);
    // One retry, one second apart: a failing delivery is parked within a few seconds.
    api = await startApi(database.url, { WEBHOOK_RETRY_LIMIT: '1', WEBHOOK_RETRY_DELAY_SECONDS: '1' });
    db = await Db.connect(database.url);
    userId = await seedUser(db, api.app, { login: 'monalisa' });
    repo = await seedTrackedRepo(db, api.app, userId, {
      githubId: 7001,
      fullName: 'octo/processing',
      stars: 8,
    });
    cookie = await sessionCookie(api.app, userId);
  });
  afterAll(async () => {
    await db.end();
    await api.close();
    await database.drop();
  });

  const deliver = async (event: string, payload: unknown, id = randomUUID()) => {
    const res = await postWebhook(api.url, { event, payload, id });
    expect(res.status).toBe(202);
    return id;
  };
  const delivery = (id: string) =>
    db.one<{
      status: string;
      attempts: number;
      last_error: string | null;
      ignored_reason: string | null;
      applied_count: number;
    }>(
      'SELECT status, attempts, last_error, ignored_reason, applied_count FROM webhook_deliveries WHERE delivery_id = $1',
      [id],
    );
  const api$ = (path: string, method = 'GET') =>
    httpRequest(`${api.url}/api/v1${path}`, { method, headers: { cookie, [CSRF_HEADER]: '1' } });

  describe('out-of-order pull_request deliveries', () => {
    const t0 = new Date('2026-01-01T10:00:00Z');
    const later = (s: number) => new Date(t0.getTime() + s * 1000);

    it('an older payload applied after a newer one does not roll the PR back', async () => {
      const merged = pullRequestPayload(repo, {
        number: 11,
        action: 'closed',
        title: 'Final title',
        state: 'closed',
        merged: true,
        updatedAt: later(60),
      });
      const opened = pullRequestPayload(repo, {
        number: 11,
        action: 'opened',
        title: 'First title',
        updatedAt: later(0),
      });
      await deliver('pull_request', merged);
      await waitForInboxIdle(db);
      await deliver('pull_request', opened);
      await waitForInboxIdle(db);
      const pr = await db.one(
        'SELECT state, title, updated_at, merged_at FROM pull_requests WHERE repo_id = $1 AND number = 11',
        [repo.id],
      );
      expect(pr).toEqual({
        state: 'merged',
        title: 'Final title',
        updated_at: later(60),
        merged_at: later(60),
      });
      // Both happenings are on the timeline even though the older one did not change the row.
      const types = await db.rows<{ type: string }>(
        `SELECT type FROM activity_events WHERE repo_id = $1 AND data->>'number' = '11' ORDER BY occurred_at`,
        [repo.id],
      );
      expect(types.map((t) => t.type)).toEqual(['pr_opened', 'pr_merged']);
    });

    it('converges on the newest state whatever order a burst of its deliveries arrives in', async () => {
      const steps = [
        pullRequestPayload(repo, {
          number: 12,
          action: 'opened',
          title: 'v1',
          draft: true,
          updatedAt: later(0),
        }),
        pullRequestPayload(repo, {
          number: 12,
          action: 'edited',
          title: 'v2',
          draft: true,
          updatedAt: later(10),
        }),
        pullRequestPayload(repo, {
          number: 12,
          action: 'ready_for_review',
          title: 'v2',
          updatedAt: later(20),
        }),
        pullRequestPayload(repo, { number: 12, action: 'synchronize', title: 'v2', updatedAt: later(30) }),
        pullRequestPayload(repo, {
          number: 12,
          action: 'closed',
          title: 'v3',
          state: 'closed',
          updatedAt: later(40),
        }),
      ];
      await Promise.all([...steps].reverse().map((p) => deliver('pull_request', p)));
      await waitForInboxIdle(db);
      const pr = await db.one(
        'SELECT state, title, draft, updated_at FROM pull_requests WHERE repo_id = $1 AND number = 12',
        [repo.id],
      );
      expect(pr).toEqual({ state: 'closed', title: 'v3', draft: false, updated_at: later(40) });
    });

    it('reopened after closed applies (newer), and each close/reopen is its own timeline entry', async () => {
      await deliver(
        'pull_request',
        pullRequestPayload(repo, { number: 12, action: 'reopened', title: 'v3', updatedAt: later(50) }),
      );
      await waitForInboxIdle(db);
      expect(
        await db.one('SELECT state FROM pull_requests WHERE repo_id = $1 AND number = 12', [repo.id]),
      ).toEqual({ state: 'open' });
      const rows = await db.rows(
        `SELECT type FROM activity_events WHERE repo_id = $1 AND data->>'number' = '12' AND type IN ('pr_closed', 'pr_reopened')`,
        [repo.id],
      );
      expect(rows).toHaveLength(2);
    });
  });

  it('push: a late delivery of an older push does not move the branch head back; a force push is marked', async () => {
    const newer = pushPayload(repo, {
      branch: 'dev',
      commits: 2,
      pushedAt: new Date('2026-01-02T12:00:00Z'),
    });
    const older = pushPayload(repo, {
      branch: 'dev',
      commits: 1,
      pushedAt: new Date('2026-01-02T11:00:00Z'),
    });
    await deliver('push', newer);
    await waitForInboxIdle(db);
    await deliver('push', older);
    await waitForInboxIdle(db);
    expect(
      await db.one(`SELECT head_sha FROM branches WHERE repo_id = $1 AND name = 'dev'`, [repo.id]),
    ).toEqual({ head_sha: newer['after'] });
    // Both pushes' commits are known and listed on the branch.
    const onBranch = await db.one<{ n: number }>(
      `SELECT count(*)::int AS n FROM branch_commits WHERE repo_id = $1 AND branch = 'dev'`,
      [repo.id],
    );
    expect(onBranch.n).toBe(3);

    const forced = pushPayload(repo, {
      branch: 'dev',
      commits: 0,
      forced: true,
      after: 'f'.repeat(40),
      pushedAt: new Date('2026-01-02T13:00:00Z'),
    });
    await deliver('push', forced);
    await waitForInboxIdle(db);
    expect(
      await db.one(`SELECT head_sha FROM branches WHERE repo_id = $1 AND name = 'dev'`, [repo.id]),
    ).toEqual({ head_sha: 'f'.repeat(40) });
    expect(
      await db.one(`SELECT title, data->>'forced' AS forced FROM activity_events WHERE dedupe_key = $1`, [
        `push:${'f'.repeat(40)}`,
      ]),
    ).toEqual({ title: 'Force-pushed dev', forced: 'true' });
  });

  it('wakes one worker for each processing job a delivery queued, not every worker', async () => {
    const boss = api.app.get(PgBoss);
    const notify = jest.spyOn(boss, 'notifyWorker');
    try {
      for (let i = 0; i < 5; i++) {
        const id = await deliver('push', pushPayload(repo, { branch: `wake-${i}` }));
        await waitFor('the push applied', async () => (await delivery(id)).status === 'processed');
      }
      // Four workers (the default): waking them all sent three of them fetching for nothing every time.
      expect(notify).toHaveBeenCalledTimes(5);
    } finally {
      notify.mockRestore();
    }
  });

  it('create/delete of a branch go on the timeline; delete removes the branch', async () => {
    await deliver('push', pushPayload(repo, { branch: 'topic', commits: 1 }));
    await deliver('create', {
      ref: 'topic',
      ref_type: 'branch',
      master_branch: 'main',
      repository: { id: repo.githubId, full_name: repo.fullName },
      sender: { login: 'monalisa' },
    });
    await waitForInboxIdle(db);
    await deliver('delete', {
      ref: 'topic',
      ref_type: 'branch',
      repository: { id: repo.githubId, full_name: repo.fullName },
      sender: { login: 'monalisa' },
    });
    await waitForInboxIdle(db);
    expect(await db.rows(`SELECT 1 FROM branches WHERE repo_id = $1 AND name = 'topic'`, [repo.id])).toEqual(
      [],
    );
    const types = await db.rows<{ type: string }>(
      `SELECT type FROM activity_events WHERE repo_id = $1 AND data->>'ref' = 'topic' AND type LIKE 'branch_%' ORDER BY id`,
      [repo.id],
    );
    expect(types.map((t) => t.type)).toEqual(['branch_created', 'branch_deleted']);
  });

  it('records a branch created or deleted once when both a webhook and the sync see it, and again after it comes back', async () => {
    const store = new SyncStore();
    const sql = api.app.get<Kysely<DB>>(Kysely);
    const ref = (name: string) => ({
      ref: name,
      ref_type: 'branch',
      master_branch: 'main',
      repository: { id: repo.githubId, full_name: repo.fullName },
      sender: { login: 'monalisa' },
    });
    const fromSync = (type: string, name: string, sha: string) =>
      store.insertActivity(sql, repo.id, [
        {
          type,
          actor: null,
          title: `Branch ${name}`,
          url: null,
          occurred_at: new Date().toISOString(),
          data: { ref: name, sha },
          dedupe_key: `${type}:${name}:${sha}`,
        },
      ]);
    const timeline = async (name: string) =>
      (
        await db.rows<{ type: string }>(
          `SELECT type FROM activity_events WHERE repo_id = $1 AND data->>'ref' = $2 ORDER BY id`,
          [repo.id, name],
        )
      ).map((r) => r.type);

    await deliver('create', ref('both-see-it'));
    await waitForInboxIdle(db);
    expect(await fromSync('branch_created', 'both-see-it', 'a1')).toEqual([]); // the sync found it after the webhook
    await deliver('delete', ref('both-see-it'));
    await waitForInboxIdle(db);
    expect(await fromSync('branch_deleted', 'both-see-it', 'a1')).toEqual([]);
    expect(await fromSync('branch_created', 'both-see-it', 'b2')).toHaveLength(1); // created again: a new entry
    await deliver('create', ref('both-see-it')); // ... whose webhook arrives after the sync's
    await waitForInboxIdle(db);
    expect(await timeline('both-see-it')).toEqual(['branch_created', 'branch_deleted', 'branch_created']);
    // A branch only the sync saw still gets its entries.
    expect(await fromSync('branch_created', 'sync-only', 'c3')).toHaveLength(1);
  });

  it('star: updates the counter, takes a snapshot and marks a milestone once', async () => {
    const star = (stars: number, at: string) => ({
      action: 'created',
      starred_at: at,
      repository: {
        id: repo.githubId,
        full_name: repo.fullName,
        stargazers_count: stars,
        forks_count: 1,
        watchers_count: stars,
        open_issues_count: 4,
        updated_at: at,
      },
      sender: { login: 'hubot' },
    });
    await deliver('star', star(9, '2026-01-03T10:00:00Z'));
    await deliver('star', star(10, '2026-01-03T10:00:05Z'));
    await waitForInboxIdle(db);
    await deliver('star', star(10, '2026-01-03T10:00:05Z')); // a second delivery of the same state
    await waitForInboxIdle(db);
    expect(
      await db.one('SELECT stars, forks, open_issues FROM repositories WHERE id = $1', [repo.id]),
    ).toEqual({ stars: 10, forks: 1, open_issues: 4 });
    expect(
      await db.rows(`SELECT title FROM activity_events WHERE repo_id = $1 AND type = 'star_milestone'`, [
        repo.id,
      ]),
    ).toEqual([{ title: 'Reached 10 stars' }]);
    expect(
      await db.one(
        `SELECT stars FROM repo_stats_snapshots WHERE repo_id = $1 ORDER BY captured_at DESC LIMIT 1`,
        [repo.id],
      ),
    ).toEqual({ stars: 10 });
  });

  it('applies concurrent issues deliveries for one repository at once: no deadlock, each applied once', async () => {
    const processor = api.app.get(WebhookProcessorService);
    const at = (s: number) => new Date(Date.UTC(2026, 0, 5, 10, 0, s)).toISOString();
    const opened = (i: number) => ({
      action: 'opened',
      issue: {
        id: 880_000 + i,
        node_id: `I_concurrent_${i}`,
        number: 300 + i,
        title: `Concurrent ${i}`,
        state: 'open',
        user: { login: 'hubot' },
        labels: [],
        assignees: [],
        html_url: `https://github.com/${repo.fullName}/issues/${300 + i}`,
        created_at: at(i),
        updated_at: at(i),
        closed_at: null,
      },
      repository: {
        id: repo.githubId,
        full_name: repo.fullName,
        stargazers_count: 10,
        forks_count: 1,
        open_issues_count: 5 + i,
        updated_at: at(i),
      },
      sender: { login: 'hubot' },
    });
    const n = 8;
    const deliveries = Array.from({ length: n }, (_, i) => ({
      deliveryId: randomUUID(),
      event: 'issues',
      action: 'opened',
      repoGithubId: repo.githubId,
      repoFullName: repo.fullName,
      hookId: null,
      installationId: null,
      signedWith: 'global' as const,
      signature: 'sha256=unused',
      body: Buffer.from(JSON.stringify(opened(i))),
      status: 'pending' as const,
      ignoredReason: null,
    }));
    // Stored without processing jobs, so each is applied here, all of them at the same time.
    const inbox = api.app.get(DeliveryInboxRepository);
    const rows = await Promise.all(deliveries.map((d) => inbox.prepare(d)));
    await inbox.store(api.app.get(GithubSettings).host, rows, []);
    const retriedBefore = processor.stats.conflictRetries;
    const results = await Promise.allSettled(deliveries.map((d) => processor.process(d.deliveryId)));
    expect(results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []))).toEqual([]);
    // Each transaction took its locks in an order that cannot deadlock: none had to be run again.
    expect(processor.stats.conflictRetries).toBe(retriedBefore);
    expect(
      await db.rows(
        'SELECT status, applied_count FROM webhook_deliveries WHERE delivery_id = ANY($1) GROUP BY 1, 2',
        [deliveries.map((d) => d.deliveryId)],
      ),
    ).toEqual([{ status: 'processed', applied_count: 1 }]);
    expect(await db.one('SELECT open_issues FROM repositories WHERE id = $1', [repo.id])).toEqual({
      open_issues: 5 + n - 1,
    });
  });

  it("repository renamed: the row follows GitHub's id to the new name", async () => {
    const other = await seedTrackedRepo(db, api.app, userId, { githubId: 7002, fullName: 'octo/old-name' });
    await deliver('repository', {
      action: 'renamed',
      changes: { repository: { name: { from: 'old-name' } } },
      repository: {
        id: other.githubId,
        full_name: 'octo/new-name',
        name: 'new-name',
        html_url: 'https://github.com/octo/new-name',
        private: false,
        default_branch: 'main',
        updated_at: '2026-01-04T00:00:00Z',
      },
      sender: { login: 'monalisa' },
    });
    await waitForInboxIdle(db);
    expect(
      await db.one('SELECT owner, name, full_name, github_state FROM repositories WHERE id = $1', [other.id]),
    ).toEqual({ owner: 'octo', name: 'new-name', full_name: 'octo/new-name', github_state: 'ok' });
    expect(
      await db.one(`SELECT title FROM activity_events WHERE repo_id = $1 AND type = 'repo_renamed'`, [
        other.id,
      ]),
    ).toEqual({ title: 'Renamed octo/old-name to octo/new-name' });
  });

  it('stores a delivery for a repository Trackeep does not track as ignored, and applies nothing', async () => {
    const id = await deliver(
      'push',
      pushPayload({ id: 'none', githubId: 999_999, fullName: 'someone/else' }, { commits: 3 }),
    );
    await waitForInboxIdle(db);
    expect(await delivery(id)).toMatchObject({
      status: 'ignored',
      ignored_reason: 'repository is not tracked by Trackeep',
      applied_count: 0,
    });
    expect(
      await db.rows(
        `SELECT 1 FROM commits c JOIN repositories r ON r.id = c.repo_id WHERE r.github_id = 999999`,
      ),
    ).toEqual([]);
  });

  it('keeps a payload without the fields its event needs as ignored, with the reason', async () => {
    const id = await deliver('pull_request', {
      action: 'opened',
      repository: { id: repo.githubId, full_name: repo.fullName },
    });
    await waitForInboxIdle(db);
    expect(await delivery(id)).toMatchObject({
      status: 'ignored',
      ignored_reason: 'payload has no pull_request',
    });
  });

  describe('failures: retried with backoff, then parked; visible and re-playable through the API', () => {
    let failingId: string;

    beforeAll(async () => {
      // A real database-level failure: this PR title violates a constraint added for the test.
      await db.rows(`ALTER TABLE pull_requests ADD CONSTRAINT test_no_boom CHECK (title <> 'boom')`);
      failingId = await deliver(
        'pull_request',
        pullRequestPayload(repo, { number: 99, action: 'opened', title: 'boom', updatedAt: new Date() }),
      );
      await waitFor(
        'the delivery to be parked',
        async () => (await delivery(failingId)).status === 'failed',
        30_000,
        100,
      );
    });
    afterAll(() => db.rows('ALTER TABLE pull_requests DROP CONSTRAINT IF EXISTS test_no_boom'));

    it('parks the delivery as failed after the retries, with the attempts and the error', async () => {
      const row = await delivery(failingId);
      expect(row.attempts).toBe(2); // first attempt + WEBHOOK_RETRY_LIMIT=1 retry
      expect(row.last_error).toMatch(/test_no_boom/);
      expect(row.applied_count).toBe(0);
      expect(
        sample(await scrape(), 'trackeep_webhook_deliveries_total', {
          event: 'pull_request',
          result: 'failed',
        }),
      ).toBe(1);
    });

    it('lists it in GET /webhooks/deliveries filtered by status, event and repo', async () => {
      const res = await api$(`/webhooks/deliveries?status=failed&event=pull_request&repo=${repo.fullName}`);
      expect(res.status).toBe(200);
      const body = res.json() as { items: Array<Record<string, unknown>>; nextCursor: string | null };
      expect(body.items).toEqual([
        expect.objectContaining({
          id: failingId,
          event: 'pull_request',
          action: 'opened',
          repoFullName: repo.fullName,
          status: 'failed',
          attempts: 2,
          lastError: expect.stringMatching(/test_no_boom/),
        }),
      ]);
    });

    it('replays it once fixed: POST /webhooks/deliveries/{id}/replay processes it', async () => {
      await db.rows('ALTER TABLE pull_requests DROP CONSTRAINT test_no_boom');
      const res = await api$(`/webhooks/deliveries/${failingId}/replay`, 'POST');
      expect(res.status).toBe(202);
      expect(res.json()).toMatchObject({ id: failingId, status: 'pending', attempts: 0, lastError: null });
      await waitFor('the replay', async () => (await delivery(failingId)).status === 'processed');
      expect(await delivery(failingId)).toMatchObject({ status: 'processed', applied_count: 1 });
      expect(
        await db.one('SELECT title FROM pull_requests WHERE repo_id = $1 AND number = 99', [repo.id]),
      ).toEqual({ title: 'boom' });
    });

    it('treats GitHub\'s "Redeliver" of a parked delivery as a retry; of a processed one as a duplicate', async () => {
      await db.rows(`ALTER TABLE pull_requests ADD CONSTRAINT test_no_boom CHECK (title <> 'boom 2')`);
      const payload = pullRequestPayload(repo, {
        number: 98,
        action: 'opened',
        title: 'boom 2',
        updatedAt: new Date(),
      });
      const id = await deliver('pull_request', payload);
      await waitFor(
        'the delivery to be parked',
        async () => (await delivery(id)).status === 'failed',
        30_000,
        100,
      );
      await db.rows('ALTER TABLE pull_requests DROP CONSTRAINT test_no_boom');

      const redelivered = await postWebhook(api.url, { event: 'pull_request', payload, id });
      expect(redelivered.json()).toEqual({ deliveryId: id, duplicate: true });
      await waitFor(
        'the redelivery to be processed',
        async () => (await delivery(id)).status === 'processed',
      );
      const again = await postWebhook(api.url, { event: 'pull_request', payload, id });
      expect(again.json()).toEqual({ deliveryId: id, duplicate: true });
      await waitForInboxIdle(db);
      expect(
        await db.one('SELECT status, applied_count, replays FROM webhook_deliveries WHERE delivery_id = $1', [
          id,
        ]),
      ).toEqual({ status: 'processed', applied_count: 1, replays: 1 });
    });
  });

  describe('GET /api/v1/webhooks/deliveries', () => {
    it('pages newest first with an opaque cursor and never repeats a row', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res = await api$(`/webhooks/deliveries?limit=7${cursor ? `&cursor=${cursor}` : ''}`);
        expect(res.status).toBe(200);
        const page = res.json() as {
          items: Array<{ id: string; receivedAt: string }>;
          nextCursor: string | null;
        };
        seen.push(...page.items.map((i) => i.id));
        cursor = page.nextCursor;
      } while (cursor);
      const all = await db.rows<{ delivery_id: string }>(
        'SELECT delivery_id FROM webhook_deliveries WHERE repo_id IN (SELECT repo_id FROM tracked_repos WHERE user_id = $1) ORDER BY received_at DESC, delivery_id DESC',
        [userId],
      );
      expect(seen).toEqual(all.map((r) => r.delivery_id));
    });

    it('shows another user nothing of repositories they cannot read, and 404s their replay', async () => {
      const stranger = await seedUser(db, api.app, { login: 'stranger' });
      const strangerCookie = await sessionCookie(api.app, stranger);
      const list = await httpRequest(`${api.url}/api/v1/webhooks/deliveries`, {
        headers: { cookie: strangerCookie },
      });
      expect(list.json()).toEqual({ items: [], nextCursor: null });
      const [any] = await db.rows<{ delivery_id: string }>(
        'SELECT delivery_id FROM webhook_deliveries WHERE repo_id = $1 LIMIT 1',
        [repo.id],
      );
      const replay = await httpRequest(`${api.url}/api/v1/webhooks/deliveries/${any!.delivery_id}/replay`, {
        method: 'POST',
        headers: { cookie: strangerCookie, [CSRF_HEADER]: '1' },
      });
      expect(replay.status).toBe(404);
      const repoFilter = await httpRequest(`${api.url}/api/v1/webhooks/deliveries?repo=${repo.fullName}`, {
        headers: { cookie: strangerCookie },
      });
      expect(repoFilter.status).toBe(404);
    });

    it('requires a session, and validates its query', async () => {
      expect((await httpRequest(`${api.url}/api/v1/webhooks/deliveries`, {})).status).toBe(401);
      expect((await api$('/webhooks/deliveries?status=exploded')).status).toBe(400);
      expect((await api$('/webhooks/deliveries?limit=1000')).status).toBe(400);
      expect((await api$('/webhooks/deliveries?cursor=not-a-cursor')).status).toBe(400);
      expect((await api$('/webhooks/deliveries?event=DROP%20TABLE')).status).toBe(400);
      expect((await api$('/webhooks/deliveries/..%2F..%2Fetc/replay', 'POST')).status).toBe(400);
    });

    it('answers 409 to a replay of a delivery that is already queued', async () => {
      await db.rows(
        `UPDATE webhook_deliveries SET status = 'pending' WHERE delivery_id = (SELECT delivery_id FROM webhook_deliveries WHERE repo_id = $1 AND status = 'processed' LIMIT 1) RETURNING delivery_id`,
        [repo.id],
      );
      const [pending] = await db.rows<{ delivery_id: string }>(
        `SELECT delivery_id FROM webhook_deliveries WHERE repo_id = $1 AND status = 'pending'`,
        [repo.id],
      );
      const res = await api$(`/webhooks/deliveries/${pending!.delivery_id}/replay`, 'POST');
      expect(res.status).toBe(409);
      await db.rows(`UPDATE webhook_deliveries SET status = 'processed' WHERE delivery_id = $1`, [
        pending!.delivery_id,
      ]);
    });
  });

  it('counts deliveries by outcome, the processing lag, the inbox depth and SSE clients in /metrics', async () => {
    const before = await scrape();
    const id = await deliver(
      'pull_request',
      pullRequestPayload(repo, { number: 77, action: 'opened', title: 'Counted', updatedAt: new Date() }),
    );
    await deliver(
      'pull_request',
      pullRequestPayload(repo, { number: 77, action: 'opened', title: 'Counted', updatedAt: new Date() }),
      id,
    ); // a redelivery
    const forged = await postWebhook(api.url, {
      event: 'push',
      payload: pushPayload(repo, {}),
      secret: 'not-the-secret',
    });
    expect(forged.status).toBe(401);
    await waitForInboxIdle(db);
    const after = await scrape();
    const delta = (series: string, labels: Record<string, string>) =>
      sample(after, series, labels) - sample(before, series, labels);
    expect(delta('trackeep_webhook_deliveries_total', { event: 'pull_request', result: 'accepted' })).toBe(1);
    expect(delta('trackeep_webhook_deliveries_total', { event: 'pull_request', result: 'duplicate' })).toBe(
      1,
    );
    expect(delta('trackeep_webhook_deliveries_total', { event: 'push', result: 'bad_signature' })).toBe(1);
    expect(delta('trackeep_webhook_deliveries_total', { event: 'pull_request', result: 'processed' })).toBe(
      1,
    );
    expect(delta('trackeep_webhook_processing_lag_seconds_count', { event: 'pull_request' })).toBe(1);
    expect(sample(after, 'trackeep_webhook_inbox_depth', {})).toBe(0);
    expect(sample(after, 'trackeep_sse_clients', {})).toBe(0);
  });

  const scrape = async () => (await httpRequest(`${api.url}/metrics`, {})).text;
});
