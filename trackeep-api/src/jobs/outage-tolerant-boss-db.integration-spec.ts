import { createTestDatabase, type TestDatabase } from '@trackeep/testing';
import { Client } from 'pg';
import PgBoss from 'pg-boss';
import { OutageTolerantBossDb } from './outage-tolerant-boss-db';

const SCHEMA = 'pgboss';
const QUEUE = 'slow';

describe('the job queue pool at shutdown', () => {
  let db: TestDatabase;
  let pool: OutageTolerantBossDb;
  let boss: PgBoss;
  let errors: string[];
  let release: () => void;
  let started: Promise<string>;

  beforeEach(async () => {
    db = await createTestDatabase();
    errors = [];
    pool = new OutageTolerantBossDb(
      { connectionString: db.url, max: 2 },
      (e) => errors.push(e.message),
      SCHEMA,
    );
    boss = new PgBoss({ db: pool, schema: SCHEMA, supervise: false, schedule: false });
    await boss.start();
    await boss.createQueue(QUEUE);
    const gate = new Promise<void>((resolve) => (release = resolve));
    started = new Promise((resolve) => {
      void boss.work(QUEUE, { pollingIntervalSeconds: 0.5 }, async ([job]) => {
        resolve(job!.id);
        await gate;
      });
    });
    await boss.send(QUEUE, {});
  });

  afterEach(async () => {
    // The pool is closed by each test; pg-boss sends nothing more once its workers hold no job.
    await boss.stop({ graceful: false, close: false });
    await db.drop();
  });

  const stateOf = async (id: string): Promise<string> => {
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      return (await client.query<{ state: string }>(`SELECT state FROM ${SCHEMA}.job WHERE id = $1`, [id]))
        .rows[0]!.state;
    } finally {
      await client.end();
    }
  };

  it('closes only after a job a worker holds has finished, so its completion is recorded', async () => {
    const id = await started;
    let closed = false;
    const closing = pool.close(10_000).then(() => (closed = true));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(closed).toBe(false);

    release();
    await closing;
    expect(await stateOf(id)).toBe('completed');
    expect(errors).toEqual([]);
  });

  it('reports a job that ends after the grace period instead of throwing where nothing awaits it', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const id = await started;
      await pool.close(100);

      release();
      for (let i = 0; i < 50 && errors.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(errors).toEqual(['a job ended after the job queue closed; it retries on expiry']);
      // Left active: pg-boss's expiry hands it out again.
      expect(await stateOf(id)).toBe('active');
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
