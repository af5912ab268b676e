import { Global, Inject, Injectable, Logger, Module, type BeforeApplicationShutdown } from '@nestjs/common';
import PgBoss from 'pg-boss';
import { retryOnConflict } from '@trackeep/server-core';
import { ApiEnv } from '../config/api-env';
import { JOB_QUEUE_SCHEMA } from './job-queue.constants';
import { JobQueueRepository } from './job-queue.repository';
import { OutageTolerantBossDb } from './outage-tolerant-boss-db';

export { JOB_QUEUE_SCHEMA } from './job-queue.constants';

let queueCreation: Promise<unknown> = Promise.resolve();

/**
 * Creates a pg-boss queue if it does not exist, and sets its options. pg-boss's create_queue adds a partition to
 * its job table, and two of those running at once (two modules at start-up, or two replicas starting together)
 * can deadlock: calls are serialised in this process and retried on a deadlock. Use this instead of
 * boss.createQueue.
 */
export function ensureQueue(
  boss: PgBoss,
  name: string,
  options: Omit<PgBoss.Queue, 'name'> = {},
): Promise<void> {
  const run = () =>
    retryOnConflict(
      async () => {
        await boss.createQueue(name, { ...options, name });
        // create_queue leaves an existing queue as it was: its policy and limits follow the code on every start.
        await boss.updateQueue(name, { ...options, name });
      },
      { retries: 4, delayMs: (attempt) => 50 * attempt + Math.random() * 100 },
    );
  const next = queueCreation.then(run, run);
  queueCreation = next.catch(() => undefined);
  return next;
}

/**
 * Stops the shared PgBoss before TypeORM closes its pool (beforeApplicationShutdown runs ahead of every
 * onApplicationShutdown), so a job handler still running can finish its database work.
 */
@Injectable()
class JobQueueShutdown implements BeforeApplicationShutdown {
  constructor(
    @Inject(PgBoss) private readonly boss: PgBoss,
    private readonly db: OutageTolerantBossDb,
  ) {}

  async beforeApplicationShutdown(): Promise<void> {
    await this.boss.stop({ graceful: true, timeout: 10_000, wait: true, close: true });
    await this.db.close();
  }
}

/**
 * The one pg-boss instance of this process, already started, injected as `PgBoss`. Every feature that
 * queues background work (webhook processing, sync) imports this module and creates its own queues.
 */
@Global()
@Module({
  providers: [
    {
      provide: OutageTolerantBossDb,
      inject: [ApiEnv],
      useFactory: (env: ApiEnv): OutageTolerantBossDb =>
        new OutageTolerantBossDb(
          { connectionString: env.DATABASE_URL, application_name: 'trackeep-api-jobs', max: 4 },
          // An idle connection dropped by a restart: the pool discards it and connects anew when needed.
          (err) => new Logger('JobQueue').warn(`pg-boss connection: ${err.message}`),
          JOB_QUEUE_SCHEMA,
        ),
    },
    {
      provide: PgBoss,
      inject: [OutageTolerantBossDb],
      useFactory: async (db: OutageTolerantBossDb): Promise<PgBoss> => {
        const logger = new Logger('JobQueue');
        const boss = new PgBoss({ db, schema: JOB_QUEUE_SCHEMA });
        // An EventEmitter 'error' without a listener would crash the process; pg-boss reports
        // transient problems (lost connection, failed maintenance) here and recovers by itself.
        boss.on('error', (err: Error) => logger.warn(`pg-boss: ${err.message}`));
        await boss.start();
        return boss;
      },
    },
    JobQueueShutdown,
    JobQueueRepository,
  ],
  exports: [PgBoss, JobQueueRepository],
})
export class JobQueueModule {}
