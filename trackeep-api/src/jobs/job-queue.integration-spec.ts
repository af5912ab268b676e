import { createTestDatabase, type TestDatabase } from '@trackeep/testing';
import PgBoss from 'pg-boss';
import { ensureQueue } from './job-queue.module';

describe(ensureQueue.name, () => {
  let db: TestDatabase;
  let boss: PgBoss;

  beforeAll(async () => {
    db = await createTestDatabase();
    boss = new PgBoss({ connectionString: db.url, schema: 'pgboss', supervise: false, schedule: false });
    await boss.start();
  });

  afterAll(async () => {
    await boss.stop({ graceful: false, close: true });
    await db.drop();
  });

  it("gives a queue created by earlier code the options the code now asks for (pg-boss's create leaves it)", async () => {
    await ensureQueue(boss, 'reads', { retryLimit: 2, expireInSeconds: 900 });
    await ensureQueue(boss, 'reads', { policy: 'short', retryLimit: 1, expireInSeconds: 900 });
    const queue = await boss.getQueue('reads');
    expect([queue?.policy, queue?.retryLimit, queue?.expireInSeconds]).toEqual(['short', 1, 900]);
    // Two requests for one key while none is taken yet: one job waits.
    const first = await boss.send('reads', {}, { singletonKey: 'acme' });
    const second = await boss.send('reads', {}, { singletonKey: 'acme' });
    expect([typeof first, second]).toEqual(['string', null]);
  });
});
