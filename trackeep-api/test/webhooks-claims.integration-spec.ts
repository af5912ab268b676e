import { createTestDatabase, type TestDatabase } from '@trackeep/testing';
import { randomUUID } from 'node:crypto';
import { API_TEMPLATE_DB } from './support/test-app';
import {
  Db,
  postWebhook,
  pullRequestPayload,
  pushPayload,
  seedTrackedRepo,
  seedUser,
  startApi,
  waitFor,
  waitForInboxIdle,
  type RunningApi,
  type SeededRepo,
} from './webhooks-support';

const DELIVERIES = 120;

// Workers claim pending rows from the inbox itself: intake writes no job per delivery, and two replicas with
// several workers each apply every stored delivery exactly once; a failed attempt goes to its retry job.
describe('processing workers claim deliveries from the inbox', () => {
  let database: TestDatabase;
  let intake: RunningApi;
  let db: Db;
  let repo: SeededRepo;
  const replicas: RunningApi[] = [];

  beforeAll(async () => {
    database = await createTestDatabase(API_TEMPLATE_DB);
    intake = await startApi(database.url, { WEBHOOK_WORKERS: '0' });
    db = await Db.connect(database.url);
    const userId = await seedUser(db, intake.app, { login: 'claims' });
    repo = await seedTrackedRepo(db, intake.app, userId, { githubId: 91_001, fullName: 'octo/claims' });
  });
  afterAll(async () => {
    for (const api of replicas) await api.close();
    await db.end();
    await intake.close();
    await database.drop();
  });

  it('stores deliveries without job rows, and two replicas apply each of them once, oldest first', async () => {
    const ids: string[] = [];
    for (let i = 0; i < DELIVERIES; i++) {
      const id = randomUUID();
      ids.push(id);
      const res = await postWebhook(intake.url, {
        event: 'push',
        id,
        payload: pushPayload(repo, { branch: `claims-${i % 7}`, commits: 1 }),
      });
      expect(res.status).toBe(202);
    }
    // Nothing processes on a receive-only replica, and no job was queued for the stored rows.
    const { n: pending } = await db.one<{ n: number }>(
      `SELECT count(*)::int AS n FROM webhook_deliveries WHERE status = 'pending' AND delivery_id = ANY($1)`,
      [ids],
    );
    expect(pending).toBe(DELIVERIES);
    const { n: jobs } = await db.one<{ n: number }>(
      `SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'webhook-process'`,
    );
    expect(jobs).toBe(0);

    const workers = { WEBHOOK_WORKERS: '4', WEBHOOK_RETRY_LIMIT: '1', WEBHOOK_RETRY_DELAY_SECONDS: '1' };
    replicas.push(await startApi(database.url, workers), await startApi(database.url, workers));
    await waitForInboxIdle(db, 120_000);

    const rows = await db.rows<{ status: string; applied_count: number; attempts: number }>(
      `SELECT status, applied_count, attempts FROM webhook_deliveries WHERE delivery_id = ANY($1)`,
      [ids],
    );
    expect(rows).toHaveLength(DELIVERIES);
    expect(
      rows.filter((r) => r.status === 'processed' && r.applied_count === 1 && r.attempts === 1),
    ).toHaveLength(DELIVERIES);
    // Workers claim the oldest first: the first stored was applied no later than the last stored.
    const { first, last } = await db.one<{ first: Date; last: Date }>(
      `SELECT (SELECT processed_at FROM webhook_deliveries WHERE delivery_id = $1) AS first,
              (SELECT processed_at FROM webhook_deliveries WHERE delivery_id = $2) AS last`,
      [ids[0], ids[DELIVERIES - 1]],
    );
    expect(new Date(first).getTime()).toBeLessThanOrEqual(new Date(last).getTime());
  });

  it('hands a claimed delivery whose attempt failed to a retry job, and parks it after the retries', async () => {
    await db.rows(`ALTER TABLE pull_requests ADD CONSTRAINT test_claim_boom CHECK (title <> 'claim boom')`);
    try {
      const id = randomUUID();
      const res = await postWebhook(replicas[0]!.url, {
        event: 'pull_request',
        id,
        payload: pullRequestPayload(repo, {
          number: 7,
          action: 'opened',
          title: 'claim boom',
          updatedAt: new Date(),
        }),
      });
      expect(res.status).toBe(202);
      const row = await waitFor(
        'the delivery to be parked',
        async () => {
          const r = await db.one<{ status: string; attempts: number; last_error: string | null }>(
            `SELECT status, attempts, last_error FROM webhook_deliveries WHERE delivery_id = $1`,
            [id],
          );
          return r.status === 'failed' ? r : null;
        },
        60_000,
        100,
      );
      expect(row.attempts).toBe(2); // the claimed attempt + WEBHOOK_RETRY_LIMIT=1 retry job
      expect(row.last_error).toMatch(/test_claim_boom/);
      const { n: retries } = await db.one<{ n: number }>(
        `SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'webhook-process' AND data->'deliveryIds' ? $1`,
        [id],
      );
      expect(retries).toBe(1);
    } finally {
      await db.rows('ALTER TABLE pull_requests DROP CONSTRAINT IF EXISTS test_claim_boom');
    }
  });
});
